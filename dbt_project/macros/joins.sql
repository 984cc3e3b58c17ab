{#- The condition of a join on shared key columns:
        {{ same_keys('ledger', 'units', ['provider_code', 'period_start']) }}
    renders `ledger.provider_code = units.provider_code and ledger.period_start =
    units.period_start`. Models set their key lists once at the top. -#}
{% macro same_keys(left, right, columns) -%}
    {%- for column in columns -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}{% if not loop.last %} and {% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- The join of a provider's months to the provider's windows of months: the month
    (months.period_start) lies in the window, ends included:
        {{ month_in_window('months', 'windows', 'window_start', 'window_end') }} -#}
{% macro month_in_window(months, windows, window_start, window_end) -%}
    {{ months }}.provider_code = {{ windows }}.provider_code
        and {{ months }}.period_start >= {{ windows }}.{{ window_start }}
        and {{ months }}.period_start <= {{ windows }}.{{ window_end }}
{%- endmacro %}

{#- The join of a provider's periods (start, exclusive end) to the provider's months
    (int_provider_months as `months`) they overlap, e.g.
        inner join months on {{ overlaps_month('stays', 'start_date', 'end_excl') }} -#}
{% macro overlaps_month(periods, start, end_excl) -%}
    months.provider_code = {{ periods }}.provider_code
        and {{ periods }}.{{ start }} < months.next_period_start
        and {{ periods }}.{{ end_excl }} > months.period_start
{%- endmacro %}
