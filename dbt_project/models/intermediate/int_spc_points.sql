-- One row per SPC point: a monthly value of one series (metric x provider x
-- level x unit x bed-type group) with the XmR centre line, moving range and
-- process limits, computed the NHSRplotthedots way (ptd_spc_standard):
-- baseline = every point of the series; moving ranges of 3.267 x their mean or
-- more are screened out and the mean moving range recomputed; limits =
-- mean +/- 2.66 x mean moving range, two-thirds limits at 2/3 of that.
-- Activity counts (value_kind count in count, people or days) are zero-filled
-- for submitted months inside the unit's span (no row in int_metric_values
-- means no activity), so their charts have no gaps.
-- Phases: a process change recorded in the seed spc_process_changes (provider,
-- level, unit, metric or every metric of the unit, month, reason) starts a new phase
-- of the chart from that month; each phase has its own baseline, limits and rules
-- (NHSRplotthedots' rebase). point_index and n_points count the whole chart.
-- Incomplete points (int_metric_values.is_complete false: a readmission month
-- whose 30-day windows have not closed) are plotted but kept out of the
-- baseline: the mean, the moving ranges the limits rest on and the screening
-- use complete points only (and int_spc_rules leaves them out of the rules).
{% set limit_factor = spc_setting('limit_factor') %}
{% set screen_factor = spc_setting('screen_factor') %}

with catalogue as (

    select metric_id, value_kind, unit
    from {{ ref('metric_catalogue') }}

),

monthly as (

    select
        metric_id,
        provider_code,
        level,
        unit_code,
        unit_name,
        bed_type_group,
        period_start,
        value,
        is_complete
    from {{ ref('int_metric_values') }}
    where period_type = 'month'
      and value is not null

),

provider_months as (

    -- months the provider submitted (provider-level rows exist for every one)
    select distinct provider_code, period_start
    from {{ ref('int_metric_values') }}
    where period_type = 'month'
      and level = 'provider'

),

series_span as (

    select
        metric_id,
        provider_code,
        level,
        unit_code,
        bed_type_group,
        max(unit_name) as unit_name,
        min(period_start) as first_month,
        max(period_start) as last_month
    from monthly
    group by metric_id, provider_code, level, unit_code, bed_type_group

),

zero_filled as (

    select
        span.metric_id,
        span.provider_code,
        span.level,
        span.unit_code,
        span.unit_name,
        span.bed_type_group,
        months.period_start,
        cast(0 as double) as value,
        true as is_complete
    from series_span as span
    inner join catalogue
        on catalogue.metric_id = span.metric_id
        and catalogue.value_kind = 'count'
        and catalogue.unit in ('count', 'people', 'days')
    inner join provider_months as months
        on months.provider_code = span.provider_code
        and months.period_start >= span.first_month
        and months.period_start <= span.last_month
    left join monthly
        on {{ spc_same_chart('monthly', 'span') }}
        and monthly.period_start = months.period_start
    where monthly.metric_id is null

),

series_points as (

    select
        metric_id, provider_code, level, unit_code, unit_name, bed_type_group, period_start,
        value, false as is_zero_filled, is_complete
    from monthly
    union all
    select
        metric_id, provider_code, level, unit_code, unit_name, bed_type_group, period_start,
        value, true as is_zero_filled, is_complete
    from zero_filled

),

changes as (select * from {{ ref('spc_process_changes') }}),

phase_of_point as (

    -- phase = 1 + the process changes of the chart on or before the point's month
    select
        series_points.metric_id,
        series_points.provider_code,
        series_points.level,
        series_points.unit_code,
        series_points.bed_type_group,
        series_points.period_start,
        1 + count(changes.change_month) as phase,
        max(changes.change_month) as phase_change_month
    from series_points
    left join changes
        on changes.provider_code = series_points.provider_code
        and changes.level = series_points.level
        and changes.unit_code = series_points.unit_code
        and (changes.metric_id = series_points.metric_id or changes.metric_id is null)
        and changes.change_month <= series_points.period_start
    group by {{ spc_chart_keys('series_points') }}, series_points.period_start

),

phase_reasons as (

    select
        provider_code, level, unit_code, metric_id, change_month, max(reason) as reason
    from changes
    group by provider_code, level, unit_code, metric_id, change_month

),

phased as (

    select
        series_points.*,
        phase_of_point.phase,
        phase_of_point.phase_change_month,
        -- the recorded reason, on the first point of the phase only
        case
            when phase_of_point.phase > 1
                and row_number() over (
                    partition by series_points.metric_id, series_points.provider_code,
                        series_points.level, series_points.unit_code,
                        series_points.bed_type_group, phase_of_point.phase
                    order by series_points.period_start
                ) = 1
            then coalesce(specific.reason, general.reason)
        end as phase_reason
    from series_points
    inner join phase_of_point
        on {{ same_keys('phase_of_point', 'series_points', spc_chart_key_names() + ['period_start']) }}
    left join phase_reasons as specific
        on {{ same_keys('specific', 'series_points', ['provider_code', 'level', 'unit_code', 'metric_id']) }}
        and specific.change_month = phase_of_point.phase_change_month
    left join phase_reasons as general
        on {{ same_keys('general', 'series_points', ['provider_code', 'level', 'unit_code']) }}
        and general.metric_id is null
        and general.change_month = phase_of_point.phase_change_month

),

numbered as (

    select
        phased.*,
        row_number() over (partition by {{ spc_chart_keys() }} order by period_start)
            as point_index,
        count(*) over (partition by {{ spc_chart_keys() }}) as n_points,
        row_number() over {{ spc_window() }} as phase_point_index,
        sum(case when is_complete then 1 else 0 end)
            over (partition by {{ spc_series_keys() }}) as n_baseline_points,
        avg(case when is_complete then value end)
            over (partition by {{ spc_series_keys() }}) as mean,
        abs(value - lag(value) over {{ spc_window() }}) as moving_range,
        -- a moving range is part of the baseline only between two complete points
        is_complete and coalesce(lag(is_complete) over {{ spc_window() }}, false)
            as moving_range_in_baseline,
        case
            when value > lag(value) over {{ spc_window() }} then 1
            when value < lag(value) over {{ spc_window() }} then -1
            when lag(value) over {{ spc_window() }} is not null then 0
        end as step
    from phased

),

first_pass as (

    select
        numbered.*,
        avg(case when moving_range_in_baseline then moving_range end)
            over (partition by {{ spc_series_keys() }})
            as mean_moving_range_unscreened
    from numbered

),

screened as (

    -- NHSRplotthedots keeps a moving range only when it is below 3.267 x the
    -- mean moving range; when every moving range is 0 nothing is screened
    select
        first_pass.*,
        coalesce(
            moving_range_in_baseline
            and mean_moving_range_unscreened > 0
            and moving_range >= {{ screen_factor }} * mean_moving_range_unscreened,
            false
        ) as moving_range_excluded
    from first_pass

),

screened_mean as (

    select
        screened.*,
        avg(case when moving_range_in_baseline and not moving_range_excluded
                 then moving_range end)
            over (partition by {{ spc_series_keys() }}) as mean_moving_range
    from screened

),

limits as (

    select
        screened_mean.*,
        mean - {{ limit_factor }} * mean_moving_range as lower_process_limit,
        mean + {{ limit_factor }} * mean_moving_range as upper_process_limit,
        mean - (cast(2 as double) / 3) * {{ limit_factor }} * mean_moving_range as lower_two_thirds,
        mean + (cast(2 as double) / 3) * {{ limit_factor }} * mean_moving_range as upper_two_thirds
    from screened_mean

),

flagged as (

    select
        limits.*,
        {{ spc_side_of('value', 'mean') }} as relative_to_mean,
        coalesce(value > upper_process_limit or value < lower_process_limit, false)
            as outside_limits
    from limits

)

select
    {{ spc_point_columns() }},
    step,
    moving_range,
    moving_range_in_baseline,
    {{ spc_limit_columns() }},
    outside_limits,
    -- beyond a two-thirds limit but not outside the process limits
    -- (NHSRplotthedots' close_to_limits)
    coalesce(
        not outside_limits
        and (value < lower_two_thirds or value > upper_two_thirds),
        false
    ) as beyond_two_thirds
from flagged
