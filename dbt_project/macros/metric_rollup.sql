{#- Aggregate one metric from a monthly fact CTE to every requested level
    (provider, locality, ward, team) and bed-type group, in the long format of
    mart_metric_values. The source must have provider_code, period_start,
    locality and, for ward/team levels, ward_code/ward_name or
    team_code/team_name, plus the columns used by the measure expressions.

    value_kind: the metric's kind (pipelines/metrics/metrics.yml: count, ratio, mean,
    median); the value follows from it in int_metric_values (macro metric_value). For a
    median the numerator holds the median, the denominator the count. The models call
    it through metric_rollups(model), one call per metric definition.
-#}
{% macro metric_rollup(source, metric_id, numerator, denominator=none, value_kind='count',
                       levels=('provider', 'locality', 'ward'), groups=none) -%}
{%- set groups = groups or {'all': 'true'} -%}
{%- set unit_cols = {
    'provider': ('provider_code', 'provider_code'),
    'locality': ('locality', 'locality'),
    'ward': ('ward_code', 'ward_name'),
    'team': ('team_code', 'team_name'),
} -%}
{%- for level in levels %}
{%- set code_col, name_col = unit_cols[level] %}
{%- for gname, gcond in groups.items() %}
    select
        '{{ metric_id }}' as metric_id,
        period_start,
        'month' as period_type,
        provider_code,
        '{{ level }}' as level,
        cast({{ code_col }} as {{ dbt.type_string() }}) as unit_code,
        cast({{ 'max(' ~ name_col ~ ')' if level != 'provider' else 'provider_code' }} as {{ dbt.type_string() }}) as unit_name,
        '{{ gname }}' as bed_type_group,
        cast({{ numerator }} as double) as numerator,
        cast({{ denominator if denominator is not none else 'null' }} as double) as denominator,
        '{{ value_kind }}' as value_kind
    from {{ source }}
    where {{ gcond }}
      {%- if level != 'provider' %} and {{ code_col }} is not null{% endif %}
    group by period_start, provider_code{% if level != 'provider' %}, {{ code_col }}{% endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
{%- if not loop.last %}
    union all
{%- endif %}
{%- endfor %}
{%- endmacro %}

{#- The bed-type groups metrics are reported for: name -> condition on the
    source row. bed_type_groups() for bed and cost metrics, los_groups() adds
    the age bands of the length-of-stay metrics (also used by the LOS funnel).
    One definition, so the mart and the funnel cannot drift apart. -#}
{% macro bed_type_groups() -%}
{{ return({'all': 'true', 'adult_acute': 'is_adult_acute'}) }}
{%- endmacro %}

{% macro los_groups() -%}
{{ return({
    'all': 'true',
    'adult_acute': 'is_adult_acute',
    'adult_acute_18_64': 'is_adult_acute and age_at_discharge between 18 and 64',
    'older_adult_65plus': 'is_adult_acute and age_at_discharge >= 65',
}) }}
{%- endmacro %}
