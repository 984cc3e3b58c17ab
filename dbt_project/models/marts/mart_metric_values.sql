-- Every metric of the catalogue that is computed from activity, in long
-- format: one row per metric x period x unit (provider, locality, ward or
-- team) x bed-type group. Percentages are on a 0-100 scale. Counts have a
-- null denominator; for medians the numerator holds the median and the
-- denominator the number of spells.
{% set bed_groups = {'all': 'true', 'adult_acute': 'is_adult_acute'} %}
{% set los_groups = {
    'all': 'true',
    'adult_acute': 'is_adult_acute',
    'adult_acute_18_64': 'is_adult_acute and age_at_discharge between 18 and 64',
    'older_adult_65plus': 'is_adult_acute and age_at_discharge >= 65',
} %}
{% set oap_additive = ['oap_new', 'oap_bed_days', 'oap_ended'] %}

with months as (

    select * from {{ ref('int_provider_months') }}

),

ward_parts as (

    select provider_code, ward_code, ward_name, locality, is_adult_acute, period_start,
           occupied_bed_days, bed_days_less_leave, 0 as available_bed_days, 0 as crfd_days
    from {{ ref('int_ward_stay_bed_days') }}
    union all
    select provider_code, ward_code, ward_name, locality, is_adult_acute, period_start,
           0, 0, available_bed_days, 0
    from {{ ref('int_ward_available_bed_days') }}
    union all
    select provider_code, ward_code, ward_name, locality, is_adult_acute, period_start,
           0, 0, 0, crfd_days
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
        sum(crfd_days) as crfd_days
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

),

in_range as (

    -- only months the provider submitted
    select monthly.*
    from monthly
    inner join months
        on months.provider_code = monthly.provider_code
        and months.period_start = monthly.period_start

),

zero_filled as (

    -- provider-level counts are 0 (not missing) in submitted months without activity
    select
        combos.metric_id,
        months.period_start,
        'month' as period_type,
        months.provider_code,
        'provider' as level,
        months.provider_code as unit_code,
        months.provider_code as unit_name,
        combos.bed_type_group,
        cast(0 as double) as numerator,
        cast(null as double) as denominator,
        'count' as value_kind
    from months
    cross join (
        select distinct metric_id, bed_type_group
        from in_range
        where value_kind = 'count' and level = 'provider'
    ) as combos
    where not exists (
        select 1 from in_range
        where in_range.metric_id = combos.metric_id
          and in_range.bed_type_group = combos.bed_type_group
          and in_range.provider_code = months.provider_code
          and in_range.period_start = months.period_start
          and in_range.level = 'provider'
    )

),

complete as (

    select * from in_range
    union all
    select * from zero_filled

),

oap_monthly as (

    select * from complete
    where metric_id in ('oap_new', 'oap_bed_days', 'oap_ended', 'oap_active_end')

),

windows as (

    -- calendar quarters and rolling 12 months ending each month
    select distinct
        provider_code,
        'quarter' as period_type,
        {{ month_start(dbt.date_trunc('quarter', 'period_start')) }} as window_start,
        cast({{ dbt.dateadd('month', 2, dbt.date_trunc('quarter', 'period_start')) }} as date)
            as window_end
    from months
    union all
    select distinct
        provider_code,
        'rolling_12m' as period_type,
        cast({{ dbt.dateadd('month', -11, 'period_start') }} as date) as window_start,
        period_start as window_end
    from months

),

complete_windows as (

    -- only windows whose every month was submitted
    select windows.provider_code, windows.period_type, windows.window_start, windows.window_end
    from windows
    inner join months
        on months.provider_code = windows.provider_code
        and months.period_start >= windows.window_start
        and months.period_start <= windows.window_end
    group by windows.provider_code, windows.period_type, windows.window_start, windows.window_end
    having count(*) = max(case when windows.period_type = 'quarter' then 3 else 12 end)

),

oap_windows as (

    select
        m.metric_id,
        w.period_type,
        w.window_start,
        w.window_end,
        m.provider_code,
        m.level,
        m.unit_code,
        max(m.unit_name) as unit_name,
        m.bed_type_group,
        sum(case when m.metric_id in ('{{ oap_additive | join("', '") }}') then m.numerator
                 when m.period_start = w.window_end then m.numerator else 0 end) as numerator
    from oap_monthly as m
    inner join complete_windows as w
        on w.provider_code = m.provider_code
        and m.period_start >= w.window_start
        and m.period_start <= w.window_end
    group by m.metric_id, w.period_type, w.window_start, w.window_end, m.provider_code,
             m.level, m.unit_code, m.bed_type_group

),

windowed as (

    select
        metric_id,
        case when period_type = 'quarter' then window_start else window_end end as period_start,
        period_type,
        provider_code,
        level,
        unit_code,
        unit_name,
        bed_type_group,
        numerator,
        cast(null as double) as denominator,
        'count' as value_kind
    from oap_windows

),

cost_rows as (

    -- cost, workforce and productivity metrics (int_metric_values_cost)
    select
        metric_id, period_start, period_type, provider_code, level, unit_code, unit_name,
        bed_type_group, numerator, denominator, value_kind
    from {{ ref('int_metric_values_cost') }}

),

all_rows as (

    select * from complete
    union all
    select * from windowed
    union all
    select * from cost_rows

)

select
    metric_id,
    period_start,
    period_type,
    provider_code,
    level,
    unit_code,
    unit_name,
    bed_type_group,
    numerator,
    denominator,
    case
        when value_kind = 'count' then numerator
        when value_kind = 'pct' then 100.0 * numerator / nullif(denominator, 0)
        when value_kind = 'mean' then numerator / nullif(denominator, 0)
        when value_kind = 'median' then numerator
    end as value
from all_rows
