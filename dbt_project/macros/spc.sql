{#- Statistical process control (XmR, NHS England "Making Data Count", as the R
    package NHSRplotthedots computes it) and funnel-plot helpers, used by
    int_spc_*, mart_spc, int_funnel_* and mart_funnel. Everything here renders
    to portable SQL (window functions, case, abs, sqrt), so no adapter dispatch
    is needed; see docs/spc-and-funnels.md for the method and its choices. -#}

{# Constants and rule lengths. Each can be overridden with a dbt var of the same
   name prefixed spc_ (e.g. --vars '{spc_shift_points: 6}'), defaults as in
   NHSRplotthedots. #}
{% macro spc_setting(name) -%}
    {%- set defaults = {
        'limit_factor': 2.66,
        'screen_factor': 3.267,
        'shift_points': 7,
        'trend_moves': 6,
        'min_points': 12,
        'rebase_points': 12,
    } -%}
    {{- return(var('spc_' ~ name, defaults[name])) -}}
{%- endmacro %}

{# The columns that identify one SPC chart, optionally qualified by a relation alias. #}
{% macro spc_chart_key_names() -%}
    {{- return(['metric_id', 'provider_code', 'level', 'unit_code', 'bed_type_group']) -}}
{%- endmacro %}

{% macro spc_chart_keys(alias=none) -%}
    {%- for col in spc_chart_key_names() -%}
    {{ alias ~ '.' if alias else '' }}{{ col }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{# The columns of one SPC point that int_spc_points and int_spc_rules both carry: the
   point itself (chart, month, position in the chart and its phase, value) ... #}
{% macro spc_point_columns() -%}
    metric_id, provider_code, level, unit_code, unit_name, bed_type_group, period_start,
    point_index, n_points,
    phase, phase_reason, phase_point_index, n_baseline_points, is_zero_filled, is_complete,
    value
{%- endmacro %}

{# ... and its phase's baseline: the screened moving ranges, the centre line and the
   limits, and which side of the mean it lies. #}
{% macro spc_limit_columns() -%}
    moving_range_excluded, mean_moving_range_unscreened, mean_moving_range, mean,
    lower_process_limit, upper_process_limit, lower_two_thirds, upper_two_thirds,
    relative_to_mean
{%- endmacro %}

{# Join condition: the same chart in two relations (aliases left and right). #}
{% macro spc_same_chart(left, right) -%}
    {%- for col in spc_chart_key_names() -%}
    {{ left }}.{{ col }} = {{ right }}.{{ col }}{{ '\n        and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{# The columns that identify one SPC series: a phase of a chart. A recorded process
   change (seed spc_process_changes) starts a new phase, with its own mean, moving
   ranges, limits and rules, as NHSRplotthedots' rebase does. #}
{% macro spc_series_keys() -%}
    {{ spc_chart_keys() }}, phase
{%- endmacro %}

{# Window over one series in time order, optionally with a row frame. #}
{% macro spc_window(frame=none) -%}
    (partition by {{ spc_series_keys() }} order by period_start{% if frame %} {{ frame }}{% endif %})
{%- endmacro %}

{# -1 below, 0 on, +1 above the centre line. A difference within a relative 1e-9
   of the mean counts as on it, so floating-point noise in the mean of values
   that are really equal to it does not start or break a run. #}
{% macro spc_side_of(value, centre) -%}
    case
        when {{ value }} is null or {{ centre }} is null then null
        when abs({{ value }} - {{ centre }})
            <= 1e-9 * (case when abs({{ centre }}) > 1 then abs({{ centre }}) else 1 end) then 0
        when {{ value }} > {{ centre }} then 1
        else -1
    end
{%- endmacro %}

{# True for every point of a pattern, given a 0/1 column that is 1 on the last
   point of each occurrence of that pattern (length points long): the point
   itself or one of the next length - 1 points ends an occurrence. This is
   NHSRplotthedots' ptd_part_of_seven_trend generalised to any length. #}
{% macro spc_part_of(ends_flag, length) -%}
    coalesce(max({{ ends_flag }}) over {{ spc_window('rows between current row and ' ~ (length - 1) ~ ' following') }} = 1, false)
{%- endmacro %}

{# Two-sided normal quantiles of the funnel-plot limits. #}
{% macro funnel_z(level) -%}
    {%- set z = {'95': 1.959964, '998': 3.090232} -%}
    {{- z[level | string] -}}
{%- endmacro %}

{# 1 when this point closes `length` consecutive points of its series whose `column` (a
   sign: -1, 0 or 1) is one and the same non-zero value, else 0: a run on one side of
   the mean (rule_side) or a trend of moves in one direction (rule_step). #}
{% macro spc_closes_run(column, length) -%}
    {%- set frame = spc_window('rows between ' ~ (length - 1) ~ ' preceding and current row') -%}
    case
            when {{ column }} <> 0
                and count({{ column }}) over {{ frame }} = {{ length }}
                and min({{ column }}) over {{ frame }} = max({{ column }}) over {{ frame }}
            then 1 else 0
        end
{%- endmacro %}
