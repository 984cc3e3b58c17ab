{#- Every period of the model lies inside its parent's period (joined on join_columns):
    it starts no earlier and ends no later; an open period (null end) in a closed parent is
    outside. Rows without a parent are left to relationships_combination. Generated on
    staging models from the raw contract's staging_tests. -#}
{% test within_parent(model, start_column, end_column, parent, parent_start, parent_end, join_columns) %}
with child as (

    select * from {{ model }}

),

parent as (

    select * from {{ parent }}

)

select
    {% for c in join_columns %}child.{{ c }}, {% endfor %}child.{{ start_column }}, child.{{ end_column }}
from child
inner join parent
    on {% for c in join_columns %}parent.{{ c }} = child.{{ c }}{% if not loop.last %}
    and {% endif %}{% endfor %}
where child.{{ start_column }} < parent.{{ parent_start }}
    or coalesce(child.{{ end_column }}, cast('9999-12-31' as date))
        > coalesce(parent.{{ parent_end }}, cast('9999-12-31' as date))
{% endtest %}
