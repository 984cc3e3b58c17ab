{#- The code lists (seeds/code_lists/, docs/code-lists.md): one list of one seed as a
    relation to join. Models join it with code_list_join below. -#}
{% macro code_list(seed, list_id) -%}
    (select * from {{ ref(seed) }} where list_id = '{{ list_id }}')
{%- endmacro %}

{#- The join of one code list on a code column, e.g.
        {{ code_list_join('bed_type_groups', 'adult_acute', 'stays.bed_type') }}
    renders `left join (the list) as adult_acute on adult_acute.code = stays.bed_type`;
    then `adult_acute.code is not null` is the flag (false for a null code). alias defaults
    to the list's id; kind 'inner' keeps only rows whose code is in the list. The seeds
    have unique (list_id, code), so the join never adds rows. -#}
{% macro code_list_join(seed, list_id, column, alias=none, kind='left') -%}
    {%- set alias = alias or list_id -%}
    {{ kind }} join {{ code_list(seed, list_id) }} as {{ alias }}
        on {{ alias }}.code = {{ column }}
{%- endmacro %}
