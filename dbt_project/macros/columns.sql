{#- `cast(null as <string>) as <column>` for each column: the text columns one branch of a
    union (or one kind of row) does not have, e.g. {{ null_strings(['ward_code', 'ward_name']) }}. -#}
{% macro null_strings(columns) -%}
    {%- for column in columns -%}
        cast(null as {{ dbt.type_string() }}) as {{ column }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}
