-- The national MHSDS measures of each provider, in NHS England's published layout (snake
-- case): one row per reporting month, breakdown, level and measure. measure_value is
-- exact; measure_value_rounded is the value as NHS England would publish it below England
-- level (count measures: under 5 '*', else the nearest 5; percentages, means and medians:
-- '*' when a measure they are suppressed on is under 5, else 0 dp).
with measure_values as (select * from {{ ref('int_national_measure_values') }}),

catalogue as (select * from {{ ref('national_measure_catalogue') }}),

periods as (

    select distinct period_month, frequency, window_start_month, reporting_period_end, status
    from {{ ref('int_national_periods') }}

),

suppressing as (

    -- for each percent-suppressed value, whether any measure it is suppressed on is
    -- under 5 (or absent) at the same period, breakdown and levels
    select
        v.measure_id,
        v.breakdown,
        v.period_month,
        v.primary_level,
        v.secondary_level,
        max(case when s.measure_value is null or s.measure_value < 5 then 1 else 0 end)
            as any_small
    from measure_values as v
    inner join catalogue as c
        on c.measure_id = v.measure_id
    inner join {{ ref('national_measure_suppress_on') }} as so
        on so.measure_id = v.measure_id
    left join measure_values as s
        on s.measure_id = so.suppress_on_id
        and {{ same_keys('s', 'v', ['breakdown', 'period_month', 'primary_level', 'secondary_level']) }}
    where c.suppression = 'percent'
    group by v.measure_id, v.breakdown, v.period_month, v.primary_level, v.secondary_level

)

select
    periods.window_start_month as reporting_period_start,
    periods.reporting_period_end,
    periods.status,
    v.breakdown,
    v.primary_level,
    v.primary_level_description,
    v.secondary_level,
    v.secondary_level_description,
    v.measure_id,
    c.measure_name,
    v.measure_value,
    case
        when c.suppression = 'count' and v.measure_value < 5 then '*'
        when c.suppression = 'count'
            then cast(cast(round(v.measure_value / 5.0, 0) * 5 as bigint) as {{ dbt.type_string() }})
        when coalesce(sup.any_small, 1) = 1 then '*'
        else cast(cast(round(v.measure_value, 0) as bigint) as {{ dbt.type_string() }})
    end as measure_value_rounded,
    v.period_month,
    c.frequency as measure_frequency
from measure_values as v
inner join catalogue as c
    on c.measure_id = v.measure_id
inner join periods
    on periods.period_month = v.period_month
    and periods.frequency = c.frequency
left join suppressing as sup
    on {{ same_keys('sup', 'v', ['measure_id', 'breakdown', 'period_month', 'primary_level', 'secondary_level']) }}
