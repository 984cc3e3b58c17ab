{#- The condition of a join on shared key columns:
        {{ same_keys('ledger', 'units', ['provider_code', 'period_start']) }}
    renders `ledger.provider_code = units.provider_code and ledger.period_start =
    units.period_start`. Models set their key lists once at the top. -#}
{% macro same_keys(left, right, columns) -%}
    {%- for column in columns -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}{% if not loop.last %} and {% endif %}
    {%- endfor -%}
{%- endmacro %}
