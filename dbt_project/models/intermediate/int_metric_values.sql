-- Every metric of the catalogue (pipelines/metrics/metrics.yml), in long
-- format, assembled from int_metric_values_monthly and int_metric_values_cost
-- (mart_metric_values is a select of it): one row per metric x period x unit (provider, locality, ward or
-- team) x bed-type group. Percentages are on a 0-100 scale. Counts have a
-- null denominator; for medians the numerator holds the median and the
-- denominator the number of spells.
-- value follows the metric's kind (macro metric_value).
-- Windows (metrics.yml window): quarter and rolling-12-month rows of the count
-- metrics with a window, summed (window: sum) or the last month's (window: last).
-- is_complete (metrics.yml complete_when): false where the figure rests on an
-- outcome window that has not closed yet. readmission_30d_pct counts, in the month of discharge, emergency
-- readmissions up to 30 days later, so a month is complete only when its last
-- day + 30 days <= the last day of the provider's latest submitted month (the
-- same 30 days as int_discharges.is_readmitted_30d and
-- int_productivity_periods.readmission_window_complete).
-- (complete_when outcome_window_30d).
-- productivity_index_quality_adjusted (complete_when quality_adjustment) is incomplete where its quality factor
-- uses a carried-forward readmission rate (int_productivity_index). Every other
-- metric is complete: 72-hour follow-up reports discharges up to month end - 4
-- days, whose 3-day window closes inside the month.
{% set readmission_window_days = 30 %}

with months as (select * from {{ ref('int_provider_months') }}),

monthly as (

    -- every metric_rollup of the activity metrics (int_metric_values_monthly)
    select * from {{ ref('int_metric_values_monthly') }}

),

in_range as (

    -- only months the provider submitted
    select monthly.*
    from monthly
    inner join months on {{ same_keys('months', 'monthly', ['provider_code', 'period_start']) }}

),

zero_combos as (

    select distinct metric_id, bed_type_group
    from in_range
    where value_kind = 'count' and level = 'provider'

),

zero_filled as (

    -- provider-level counts are 0 (not missing) in submitted months without activity
    {{ zero_fill('months', 'in_range', 'zero_combos') }}

),

complete as (

    select * from in_range
    union all
    select * from zero_filled

),

windowed_monthly as (

    select * from complete
    where metric_id in {{ metric_id_list('window_sum') }}
       or metric_id in {{ metric_id_list('window_last') }}

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
        on {{ month_in_window('months', 'windows', 'window_start', 'window_end') }}
    group by windows.provider_code, windows.period_type, windows.window_start, windows.window_end
    having count(*) = max(case when windows.period_type = 'quarter' then 3 else 12 end)

),

metric_windows as (

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
        sum(case when m.metric_id in {{ metric_id_list('window_sum') }} then m.numerator
                 when m.period_start = w.window_end then m.numerator else 0 end) as numerator
    from windowed_monthly as m
    inner join complete_windows as w
        on {{ month_in_window('m', 'w', 'window_start', 'window_end') }}
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
    from metric_windows

),

cost_rows as (

    -- cost, workforce and productivity metrics (int_metric_values_cost)
    select {{ metric_row_columns() | join(', ') }}, value_kind
    from {{ ref('int_metric_values_cost') }}

),

all_rows as (

    select * from complete
    union all
    select * from windowed
    union all
    select * from cost_rows

),

catalogue as (

    select metric_id, unit from {{ ref('metric_catalogue') }}

),

latest_month as (

    -- the last day of each provider's latest submitted month
    select provider_code, max(period_end) as latest_period_end
    from months
    group by provider_code

),

quality_index as (

    -- whether the quality adjustment rests on closed readmission windows only
    select provider_code, level, unit_code, period_type, period_start,
           quality_adjustment_complete
    from {{ ref('int_productivity_index') }}

)

select{{ metric_row_with_value('all_rows') }},
    case
        -- the month's last day (next month's first - 1) + 30 days <= the latest month end
        when all_rows.metric_id in {{ metric_id_list('complete_outcome_window_30d') }}
            and all_rows.period_type = 'month'
            then coalesce(
                {{ add_days(next_month_start('all_rows.period_start'), readmission_window_days - 1) }}
                    <= latest_month.latest_period_end,
                false)
        when all_rows.metric_id in {{ metric_id_list('complete_quality_adjustment') }}
            then coalesce(quality_index.quality_adjustment_complete, true)
        else true
    end as is_complete
from all_rows
left join catalogue
    on catalogue.metric_id = all_rows.metric_id
left join latest_month
    on latest_month.provider_code = all_rows.provider_code
left join quality_index
    on all_rows.metric_id in {{ metric_id_list('complete_quality_adjustment') }}
    and quality_index.provider_code = all_rows.provider_code
    and quality_index.level = all_rows.level
    and quality_index.unit_code = all_rows.unit_code
    and quality_index.period_type = all_rows.period_type
    and quality_index.period_start = all_rows.period_start
