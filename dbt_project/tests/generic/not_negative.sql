{#- The column is never below zero (nulls pass). Used where a difference of two
    counts must not go negative, e.g. bed days less leave (issue #15). -#}
{% test not_negative(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0
{% endtest %}
