{#- Every combination of from_columns in the model (all non-null) exists as the same
    combination of to_columns in the parent model `to`: relationships over a key of
    several columns. -#}
{% test relationships_combination(model, from_columns, to, to_columns) %}
select
    {% for c in from_columns %}child.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
from {{ model }} as child
left join {{ to }} as parent
    on {% for c in from_columns %}parent.{{ to_columns[loop.index0] }} = child.{{ c }}{% if not loop.last %}
    and {% endif %}{% endfor %}
where {% for c in from_columns %}child.{{ c }} is not null and {% endfor %}parent.{{ to_columns[0] }} is null
group by {% for c in from_columns %}child.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
{% endtest %}
