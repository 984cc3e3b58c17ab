{#- The code lists (seeds/code_lists/, docs/code-lists.md): one list of one seed as a
    relation to join, e.g.
        left join {{ code_list('bed_type_groups', 'adult_acute') }} as adult_acute
            on adult_acute.code = stays.bed_type
    then `adult_acute.code is not null` is the flag (false for a null code). The seeds
    have unique (list_id, code), so the join never adds rows. -#}
{% macro code_list(seed, list_id) -%}
    (select * from {{ ref(seed) }} where list_id = '{{ list_id }}')
{%- endmacro %}
