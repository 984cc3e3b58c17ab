{#- `cast(null as <string>) as <column>` for each column: the text columns one branch of a
    union (or one kind of row) does not have, e.g. {{ null_strings(['ward_code', 'ward_name']) }}. -#}
{% macro null_strings(columns) -%}
    {%- for column in columns -%}
        cast(null as {{ dbt.type_string() }}) as {{ column }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- `coalesce(<relation>.<column>, 0) as <column>` for each column: the measures of an
    outer-joined relation, zero where it has no row, e.g.
    {{ zero_if_missing('workforce', ['wte_total', 'clinical_wte']) }}. -#}
{% macro zero_if_missing(relation, columns) -%}
    {%- for column in columns -%}
        coalesce({{ relation }}.{{ column }}, 0) as {{ column }}{% if not loop.last %},
        {% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- `<relation>.<column>, ...` for each column: a key list named once at the top of a model,
    selected from one of its CTEs, e.g. {{ columns_of('spells', spell_keys) }}. -#}
{% macro columns_of(relation, columns) -%}
    {%- for column in columns -%}
        {{ relation }}.{{ column }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- A record's team as the unit of the team level: the team code, the team's name (else
    the code) and locality (else 'Unknown'), from int_teams joined as `teams` on it. -#}
{% macro team_unit_columns(team_code) -%}
    {{ team_code }} as team_code,
        coalesce(teams.team_name, {{ team_code }}) as team_name,
        coalesce(teams.locality, 'Unknown') as locality
{%- endmacro %}

{#- The columns of one row of mart_data_quality's long format: provider_code, period_start,
    table_name, field_name, measure (the name given), detail (null unless given) and the
    numerator and denominator as doubles. Arguments are SQL expressions over the measure's
    source, except measure. -#}
{% macro dq_measure_columns(measure, numerator, denominator, detail=none,
        provider_code='provider_code', table_name='table_name', field_name='field_name') -%}
    {{ provider_code }} as provider_code, period_start, {{ table_name }} as table_name,
           {{ field_name }} as field_name, '{{ measure }}' as measure,
           {{ detail or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as detail,
           cast({{ numerator }} as double) as numerator,
           cast({{ denominator }} as double) as denominator
{%- endmacro %}
