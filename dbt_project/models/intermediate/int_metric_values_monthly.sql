-- The monthly rows of mart_metric_values computed from activity (beds, flow,
-- admissions, discharges, OAPs, community), one metric_rollup per metric, before
-- the mart keeps the submitted months, zero-fills provider counts and adds the
-- quarterly and rolling OAP windows. A table of its own, not a CTE of the mart:
-- the mart reads it three times, and engines that inline CTEs (Spark) would
-- otherwise plan and run this union of ~150 aggregates once per read
-- (docs/scaling.md).
{% set bed_groups = bed_type_groups() %}
{% set los_groups = los_groups() %}
{% set no_days = 'cast(null as ' ~ dbt.type_bigint() ~ ')' %}

with ward_parts as (

    -- closed bed days (and the bed days they are a share of: available + closed) only
    -- where MHS903 reported them, so they stay null for wards and units without
    select provider_code, ward_code, ward_name, locality, is_adult_acute, period_start,
           occupied_bed_days, bed_days_less_leave, 0 as available_bed_days, 0 as crfd_days,
           {{ no_days }} as closed_bed_days, {{ no_days }} as reported_bed_days
    from {{ ref('int_ward_stay_bed_days') }}
    union all
    select provider_code, ward_code, ward_name, locality, is_adult_acute, period_start,
           0, 0, available_bed_days, 0, closed_bed_days,
           case when closed_bed_days is not null then available_bed_days + closed_bed_days end
    from {{ ref('int_ward_available_bed_days') }}
    union all
    select provider_code, ward_code, ward_name, locality, is_adult_acute, period_start,
           0, 0, 0, crfd_days, {{ no_days }}, {{ no_days }}
    from {{ ref('int_crfd_days') }}

),

ward_month as (

    select
        provider_code,
        ward_code,
        max(ward_name) as ward_name,
        max(locality) as locality,
        max(case when is_adult_acute then 1 else 0 end) = 1 as is_adult_acute,
        period_start,
        sum(occupied_bed_days) as occupied_bed_days,
        sum(bed_days_less_leave) as bed_days_less_leave,
        sum(available_bed_days) as available_bed_days,
        sum(crfd_days) as crfd_days,
        sum(closed_bed_days) as closed_bed_days,
        sum(reported_bed_days) as reported_bed_days
    from ward_parts
    group by provider_code, ward_code, period_start

),

admissions as (

    select
        provider_code,
        {{ month_start('admission_date') }} as period_start,
        admission_ward_code as ward_code,
        admission_ward_name as ward_name,
        coalesce(admission_locality, 'Unknown') as locality,
        coalesce(admission_bed_type in ('200', '201', '202'), false) as is_adult_acute,
        admission_method,
        admission_method_group
    from {{ ref('int_hospital_spells') }}

),

discharges as (

    select * from {{ ref('int_discharges') }}

),

followups as (

    select
        provider_code,
        followup_period_start as period_start,
        ward_code,
        ward_name,
        locality,
        is_adult_acute,
        is_followed_up_72h
    from discharges
    where is_followup_eligible

),

oap as (

    select * from {{ ref('int_oap_months') }}

),

contacts as (

    select * from {{ ref('int_care_contacts') }}

),

open_referrals as (

    select * from {{ ref('int_referrals_month_end') }}

),

new_referrals as (

    select
        refs.provider_code,
        {{ month_start('refs.referral_request_received_date') }} as period_start,
        refs.uniq_care_prof_team_local_id as team_code,
        coalesce(teams.team_name, refs.uniq_care_prof_team_local_id) as team_name,
        coalesce(teams.locality, 'Unknown') as locality
    from {{ ref('stg_mhsds__referral') }} as refs
    left join {{ ref('int_teams') }} as teams
        on teams.provider_code = refs.provider_code
        and teams.team_code = refs.uniq_care_prof_team_local_id

),

monthly as (

    -- beds and occupancy (MHS24, MHS25)
    {{ metric_rollup('ward_month', 'occupied_bed_days', 'sum(occupied_bed_days)', groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_month', 'bed_days_less_leave', 'sum(bed_days_less_leave)', groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_month', 'available_bed_days', 'sum(available_bed_days)', groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_month', 'occupancy_pct', 'sum(occupied_bed_days)', 'sum(available_bed_days)', 'pct', groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_month', 'occupancy_excl_leave_pct', 'sum(bed_days_less_leave)', 'sum(available_bed_days)', 'pct', groups=bed_groups) }}
    union all
    -- temporarily closed beds (MHS903WardDetails ClosedBedDays; null without MHS903)
    {{ metric_rollup('ward_month', 'closed_bed_days', 'sum(closed_bed_days)', groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_month', 'closed_bed_days_pct', 'sum(closed_bed_days)', 'sum(reported_bed_days)', 'pct', groups=bed_groups) }}
    union all
    -- clinically ready for discharge (MHS26)
    {{ metric_rollup('ward_month', 'crfd_days', 'sum(crfd_days)', groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_month', 'crfd_bed_days_pct', 'sum(crfd_days)', 'sum(occupied_bed_days)', 'pct', groups=bed_groups) }}
    union all
    -- admissions
    {{ metric_rollup('admissions', 'admissions', 'count(*)', groups=bed_groups) }}
    union all
    {{ metric_rollup('admissions', 'admissions_planned', "sum(case when admission_method_group = 'planned' then 1 else 0 end)", groups=bed_groups) }}
    union all
    {{ metric_rollup('admissions', 'admissions_emergency', "sum(case when admission_method_group = 'emergency' then 1 else 0 end)", groups=bed_groups) }}
    union all
    {{ metric_rollup('admissions', 'admissions_emergency_via_crisis', "sum(case when admission_method = '25' then 1 else 0 end)", groups=bed_groups) }}
    union all
    {{ metric_rollup('admissions', 'admissions_transfer', "sum(case when admission_method_group = 'transfer' then 1 else 0 end)", groups=bed_groups) }}
    union all
    {{ metric_rollup('admissions', 'admissions_unplanned_pct', "sum(case when admission_method_group = 'emergency' then 1 else 0 end)", 'count(*)', 'pct', groups=bed_groups) }}
    union all
    -- discharges and length of stay (MHS140 family, MHS100/101)
    {{ metric_rollup('discharges', 'discharges', 'count(*)', groups=bed_groups) }}
    union all
    {{ metric_rollup('discharges', 'los_mean_days', 'sum(los_days)', 'count(*)', 'mean', groups=los_groups) }}
    union all
    {{ metric_rollup('discharges', 'los_median_days', median('los_days'), 'count(*)', 'median', groups=los_groups) }}
    union all
    {{ metric_rollup('discharges', 'los_60plus_pct', 'sum(case when los_days >= 60 then 1 else 0 end)', 'count(*)', 'pct', groups=los_groups) }}
    union all
    {{ metric_rollup('discharges', 'los_90plus_pct', 'sum(case when los_days >= 90 then 1 else 0 end)', 'count(*)', 'pct', groups=los_groups) }}
    union all
    {{ metric_rollup('discharges', 'readmission_30d_pct', 'sum(case when is_readmission_index and is_readmitted_30d then 1 else 0 end)', 'sum(case when is_readmission_index then 1 else 0 end)', 'pct', groups=bed_groups) }}
    union all
    {{ metric_rollup('followups', 'followup_72h_pct', 'sum(case when is_followed_up_72h then 1 else 0 end)', 'count(*)', 'pct') }}
    union all
    -- inappropriate out-of-area placements (OAP01-04)
    {{ metric_rollup('oap', 'oap_new', 'sum(started)', levels=('provider', 'locality'), groups=bed_groups) }}
    union all
    {{ metric_rollup('oap', 'oap_bed_days', 'sum(oap_bed_days)', levels=('provider', 'locality'), groups=bed_groups) }}
    union all
    {{ metric_rollup('oap', 'oap_active_end', 'sum(active_at_end)', levels=('provider', 'locality'), groups=bed_groups) }}
    union all
    {{ metric_rollup('oap', 'oap_ended', 'sum(ended)', levels=('provider', 'locality'), groups=bed_groups) }}
    union all
    -- community activity
    {{ metric_rollup('open_referrals', 'people_in_contact', 'count(distinct person_key)', levels=('provider', 'locality', 'team')) }}
    union all
    {{ metric_rollup('open_referrals', 'open_caseload', 'count(*)', levels=('provider', 'locality', 'team')) }}
    union all
    {{ metric_rollup('new_referrals', 'new_referrals', 'count(*)', levels=('provider', 'locality', 'team')) }}
    union all
    {{ metric_rollup('contacts', 'attended_contacts', 'sum(case when is_attended then 1 else 0 end)', levels=('provider', 'locality', 'team')) }}
    union all
    {{ metric_rollup('contacts', 'dna_rate_pct', 'sum(case when is_dna then 1 else 0 end)', 'sum(case when is_booked then 1 else 0 end)', 'pct', levels=('provider', 'locality', 'team')) }}

)

select * from monthly
