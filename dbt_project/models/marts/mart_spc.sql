-- SPC (XmR) charts of every monthly series in mart_metric_values: one row per
-- metric x provider x level x unit x bed-type group x month, with the process
-- limits, the special-cause rules, the point type by the metric's better
-- direction, and the series-level variation and assurance icons (from the
-- latest point) repeated on every row of the series. Method: NHS England
-- "Making Data Count" as implemented by NHSRplotthedots; see
-- docs/spc-and-funnels.md.
-- Incomplete points (is_complete false: a readmission month whose 30-day
-- windows have not closed) are plotted but are not part of the baseline or the
-- rules; the series' icons come from its latest complete point (icon_point_index),
-- and too_few_points counts complete points.
-- Phases (seed spc_process_changes): limits and rules per phase; phase_reason on the
-- first point of a new phase. A rebase is suggested, never applied, when the latest
-- rebase_points (12) or more complete points of the current phase all sit on one side
-- of its mean: rebase_suggested_from is the first month of that run (docs/spc-and-funnels.md).
{% set min_points = spc_setting('min_points') %}
{% set rebase_points = spc_setting('rebase_points') %}

with catalogue as (

    select metric_id, better_direction, target_value, target_type
    from {{ ref('metric_catalogue') }}

),

typed as (

    select
        points.*,
        coalesce(catalogue.better_direction, 'neither') as better_direction,
        catalogue.target_value,
        -- which side of the target is good: the catalogue's target_type, else
        -- the better direction (higher is better -> at least the target)
        case
            when catalogue.target_value is null then null
            when catalogue.target_type in ('max', 'min') then catalogue.target_type
            when catalogue.better_direction = 'higher' then 'min'
            when catalogue.better_direction = 'lower' then 'max'
        end as target_type,
        case
            when not points.special_cause then 'common_cause'
            when catalogue.better_direction = 'higher' then
                case when points.special_cause_side = 'high'
                    then 'special_cause_improvement' else 'special_cause_concern' end
            when catalogue.better_direction = 'lower' then
                case when points.special_cause_side = 'low'
                    then 'special_cause_improvement' else 'special_cause_concern' end
            else 'special_cause_neither'
        end as point_type
    from {{ ref('int_spc_rules') }} as points
    left join catalogue
        on catalogue.metric_id = points.metric_id

),

iconed as (

    select
        typed.*,
        case point_type
            when 'common_cause' then 'common_cause'
            when 'special_cause_improvement' then {{ dbt.concat(["'improvement_'", 'special_cause_side']) }}
            when 'special_cause_concern' then {{ dbt.concat(["'concern_'", 'special_cause_side']) }}
            else {{ dbt.concat(["'neither_'", 'special_cause_side']) }}
        end as point_icon,
        -- NHSRplotthedots' assurance: target beyond the process limits
        case
            when target_type is null or lower_process_limit is null then null
            when target_type = 'max' and upper_process_limit < target_value then 'pass'
            when target_type = 'max' and lower_process_limit > target_value then 'fail'
            when target_type = 'min' and lower_process_limit > target_value then 'pass'
            when target_type = 'min' and upper_process_limit < target_value then 'fail'
            else 'hit_or_miss'
        end as point_assurance,
        -- the point the series' icons describe: its latest complete point (its
        -- latest point when none is complete)
        coalesce(
            max(case when is_complete then point_index end)
                over (partition by {{ spc_chart_keys() }}),
            n_points
        ) as icon_point_index
    from typed

),

side_runs as (

    -- consecutive complete points on one side of their phase's mean (gaps and islands)
    select
        {{ spc_chart_keys() }},
        phase,
        period_start,
        relative_to_mean,
        phase_point_index - row_number() over (
            partition by {{ spc_series_keys() }}, relative_to_mean order by period_start
        ) as run_group
    from iconed
    where is_complete and relative_to_mean <> 0

),

run_lengths as (

    select
        {{ spc_chart_keys() }},
        phase,
        relative_to_mean,
        run_group,
        min(period_start) as run_start,
        max(period_start) as run_end,
        count(*) as run_points
    from side_runs
    group by {{ spc_chart_keys() }}, phase, relative_to_mean, run_group

),

latest_complete as (

    select {{ spc_chart_keys() }}, max(period_start) as latest_month
    from iconed
    where is_complete
    group by {{ spc_chart_keys() }}

),

rebase_suggestions as (

    select
        {{ spc_chart_keys('run_lengths') }},
        run_lengths.run_start as rebase_suggested_from,
        run_lengths.run_points as sustained_run_points
    from run_lengths
    inner join latest_complete
        on {{ spc_same_chart('latest_complete', 'run_lengths') }}
        and latest_complete.latest_month = run_lengths.run_end
    where run_lengths.run_points >= {{ rebase_points }}

)

select
    iconed.metric_id,
    iconed.provider_code,
    iconed.level,
    iconed.unit_code,
    unit_name,
    iconed.bed_type_group,
    'month' as period_type,
    period_start,
    point_index,
    point_index = n_points as is_latest_point,
    phase,
    phase_reason,
    is_zero_filled,
    is_complete,
    value,
    mean,
    moving_range,
    moving_range_excluded,
    mean_moving_range_unscreened,
    mean_moving_range,
    lower_process_limit,
    upper_process_limit,
    lower_two_thirds,
    upper_two_thirds,
    case relative_to_mean when 1 then 'above' when -1 then 'below' else 'on' end as side_of_mean,
    outside_limits,
    run_of_seven,
    trend_of_six,
    beyond_two_thirds,
    two_of_three,
    special_cause,
    special_cause_rule,
    special_cause_side,
    better_direction,
    point_type,
    max(case when point_index = icon_point_index then point_icon end)
        over (partition by {{ spc_chart_keys('iconed') }}) as variation_icon,
    max(case when point_index = icon_point_index then point_assurance end)
        over (partition by {{ spc_chart_keys('iconed') }}) as assurance_icon,
    target_value,
    target_type,
    n_points,
    n_baseline_points,
    n_baseline_points < {{ min_points }} as too_few_points,
    rebase_suggestions.rebase_suggested_from,
    rebase_suggestions.sustained_run_points
from iconed
left join rebase_suggestions
    on {{ spc_same_chart('rebase_suggestions', 'iconed') }}
