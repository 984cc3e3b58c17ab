-- One row per SPC point with the Making Data Count special-cause rules, as
-- NHSRplotthedots (ptd_calculate_point_type) applies them:
--   outside_limits: above the upper or below the lower process limit;
--   run_of_seven:   7 or more consecutive points on the same side of the mean
--                   (a point on the mean breaks the run); every point flagged;
--   trend_of_six:   6 or more consecutive increases (or decreases), i.e. a run of
--                   7 points each above (below) the one before - NHSRplotthedots'
--                   "7 point trend"; an unchanged value breaks it; every point of
--                   the run flagged, including the first;
--   two_of_three:   2 of 3 consecutive points beyond the same two-thirds limit
--                   (but inside the process limits), all 3 on that side of the
--                   mean; the points beyond the two-thirds limit are flagged.
-- The side of a special cause follows NHSRplotthedots' precedence: outside
-- limits, then trend (direction of the move), then 2 of 3, then run.
-- Rules run within a phase of the chart (spc_window partitions by phase): a process
-- change ends every run and trend.
-- An incomplete point (is_complete false, int_spc_points) is plotted against the
-- limits but takes no part in any rule: every rule flag is false on it, and its
-- side of the mean and its move from the previous point neither extend nor close
-- a run, a trend or a 2 of 3.
{% set shift = spc_setting('shift_points') %}
{% set moves = spc_setting('trend_moves') %}

with points as (

    select
        spc_points.*,
        case when is_complete then relative_to_mean end as rule_side,
        case when is_complete then step end as rule_step,
        coalesce(is_complete and beyond_two_thirds, false) as rule_beyond_two_thirds,
        coalesce(is_complete and outside_limits, false) as rule_outside_limits
    from {{ ref('int_spc_points') }} as spc_points

),

pattern_ends as (

    select
        points.*,
        -- this point closes `shift` consecutive points on the same side of the mean
        {{ spc_closes_run('rule_side', shift) }} as ends_run,
        -- this point closes `moves` consecutive moves in the same direction
        {{ spc_closes_run('rule_step', moves) }} as ends_trend,
        -- this point closes 3 points, all on one side of the mean, 2+ beyond two-thirds
        case
            when count(*) over {{ spc_window('rows between 2 preceding and current row') }} = 3
                and sum(case when rule_beyond_two_thirds then 1 else 0 end)
                    over {{ spc_window('rows between 2 preceding and current row') }} >= 2
                and abs(sum(rule_side) over {{ spc_window('rows between 2 preceding and current row') }}) = 3
            then 1 else 0
        end as ends_two_of_three
    from points

),

rules as (

    select
        pattern_ends.*,
        {{ spc_part_of('ends_run', shift) }} as run_of_seven,
        -- a trend of `moves` moves spans moves + 1 points
        {{ spc_part_of('ends_trend', moves + 1) }} as trend_of_six,
        rule_beyond_two_thirds and {{ spc_part_of('ends_two_of_three', 3) }} as two_of_three,
        lead(rule_step) over {{ spc_window() }} as next_step
    from pattern_ends

),

trend_direction as (

    select
        rules.*,
        -- NHSRplotthedots: the direction of a trend point is the move to the next
        -- point when that point is in a trend too, else the move from the previous
        case
            when trend_of_six and coalesce(lead(trend_of_six) over {{ spc_window() }}, false)
                then next_step
            else coalesce(rule_step, 0)
        end as trend_step
    from rules

)

select
    {{ spc_point_columns() }},
    moving_range,
    {{ spc_limit_columns() }},
    rule_beyond_two_thirds as beyond_two_thirds,
    rule_outside_limits as outside_limits,
    run_of_seven,
    trend_of_six,
    two_of_three,
    rule_outside_limits or run_of_seven or trend_of_six or two_of_three as special_cause,
    case
        when rule_outside_limits then
            case when relative_to_mean = 1 then 'above_upper_limit' else 'below_lower_limit' end
        when trend_of_six then
            case when trend_step = 1 then 'trend_increasing' else 'trend_decreasing' end
        when two_of_three then
            case when relative_to_mean > 0 then 'two_of_three_high' else 'two_of_three_low' end
        when run_of_seven then
            case when relative_to_mean > 0 then 'run_above_mean' else 'run_below_mean' end
    end as special_cause_rule,
    case
        when rule_outside_limits then case when relative_to_mean = 1 then 'high' else 'low' end
        when trend_of_six then case when trend_step = 1 then 'high' else 'low' end
        when two_of_three or run_of_seven then
            case when relative_to_mean > 0 then 'high' else 'low' end
    end as special_cause_side
from trend_direction
