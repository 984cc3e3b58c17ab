-- The monthly rows of mart_metric_values computed from activity (beds, flow,
-- admissions, discharges, OAPs, community), one metric_rollup per metric of
-- pipelines/metrics/metrics.yml with this model (fact = one of the CTEs below),
-- before int_metric_values keeps the submitted months, zero-fills provider counts and adds the
-- quarterly and rolling OAP windows. A table of its own, not a CTE of the mart:
-- int_metric_values reads it three times, and engines that inline CTEs (Spark) would
-- otherwise plan and run this union of ~150 aggregates once per read
-- (docs/scaling.md).
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
        is_admission_adult_acute as is_adult_acute,
        admission_method,
        admission_method_group
    from {{ ref('int_hospital_spells') }}

),

discharges as (select * from {{ ref('int_discharges') }}),

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

oap as (select * from {{ ref('int_oap_months') }}),

contacts as (select * from {{ ref('int_care_contacts') }}),

open_referrals as (select * from {{ ref('int_referrals_month_end') }}),

new_referrals as (

    select
        refs.provider_code,
        {{ month_start('refs.referral_request_received_date') }} as period_start,
        {{ team_unit_columns('refs.uniq_care_prof_team_local_id') }}
    from {{ ref('stg_mhsds__referral') }} as refs
    left join {{ ref('int_teams') }} as teams
        on teams.provider_code = refs.provider_code
        and teams.team_code = refs.uniq_care_prof_team_local_id

),

monthly as (

    -- every metric of pipelines/metrics/metrics.yml with model int_metric_values_monthly
    -- and a rollup (macros/metrics/metric_rollups.sql)
    {{ metric_rollups('int_metric_values_monthly') }}

)

select * from monthly
