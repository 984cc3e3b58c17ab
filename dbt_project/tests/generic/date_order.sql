{#- No row ends before it starts (an open end, null, passes). Generated on staging models
    from the raw contract's staging_tests (pipelines/contract/codegen.py). -#}
{% test date_order(model, start_column, end_column) %}
select {{ start_column }}, {{ end_column }}
from {{ model }}
where {{ end_column }} < {{ start_column }}
{% endtest %}
