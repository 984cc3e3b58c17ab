{#- Portable date helpers built only from dbt's cross-database macros, so the
    same models run on DuckDB and on Spark (see docs/scaling.md). -#}

{# first day of the next month, as a date #}
{% macro next_month_start(d) -%}
    cast({{ dbt.dateadd('month', 1, d) }} as date)
{%- endmacro %}

{# d + n days, as a date #}
{% macro add_days(d, n) -%}
    cast({{ dbt.dateadd('day', n, d) }} as date)
{%- endmacro %}

{# whole days from a to b (b - a) #}
{% macro days_between(a, b) -%}
    {{ dbt.datediff(a, b, 'day') }}
{%- endmacro %}

{# first day of the month of d, as a date #}
{% macro month_start(d) -%}
    cast({{ dbt.date_trunc('month', d) }} as date)
{%- endmacro %}

{# days of the interval [start, end_excl) that fall inside [p_start, p_end_excl):
   the MHS24 clipping rule. Returns a possibly negative number; callers filter
   overlapping rows first. #}
{% macro clipped_days(start, end_excl, p_start, p_end_excl) -%}
    {{ dbt.datediff('greatest(' ~ start ~ ', ' ~ p_start ~ ')',
                    'least(' ~ end_excl ~ ', ' ~ p_end_excl ~ ')', 'day') }}
{%- endmacro %}

{# a reference row (int_wards: effective_from, effective_to_excl) in effect on a date:
   the one join rule for "the ward's locality and name on that day" #}
{% macro in_effect_on(ref_alias, on_date) -%}
    {{ ref_alias }}.effective_from <= {{ on_date }}
    and {{ ref_alias }}.effective_to_excl > {{ on_date }}
{%- endmacro %}
