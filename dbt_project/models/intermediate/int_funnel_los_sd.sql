-- Spread of length of stay for the normal-approximation funnel of mean LOS:
-- one row per metric x provider x bed-type group x funnel period, with the
-- number, mean and sample standard deviation of the LOS of every spell the
-- provider discharged in the period (all its wards pooled). Aggregates only.
-- The bed-type groups are those of the LOS metrics (macro los_groups).
{% set los_groups = los_groups() %}

with discharges as (

    select provider_code, period_start, los_days, is_adult_acute, age_at_discharge
    from {{ ref('int_discharges') }}
    where los_days is not null

),

grouped as (

    {%- for group_name, condition in los_groups.items() %}
    select
        '{{ group_name }}' as bed_type_group,
        provider_code,
        period_start,
        cast(los_days as double) as los_days
    from discharges
    where {{ condition }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select
    'los_mean_days' as metric_id,
    periods.provider_code,
    grouped.bed_type_group,
    periods.period_type,
    periods.period_start,
    count(*) as discharges,
    avg(grouped.los_days) as mean_los_days,
    stddev_samp(grouped.los_days) as sd_los_days
from {{ ref('int_funnel_periods') }} as periods
inner join grouped
    on {{ month_in_window('grouped', 'periods', 'window_start', 'period_start') }}
group by periods.provider_code, grouped.bed_type_group, periods.period_type, periods.period_start
