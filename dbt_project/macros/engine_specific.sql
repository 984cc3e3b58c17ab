{#- The only engine-specific SQL in the project: adapter-dispatched macros
    with a DuckDB default and a Spark implementation. Listed in
    docs/scaling.md; keep this file short. -#}

{# exact median of a numeric expression #}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'mh_productivity')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}
