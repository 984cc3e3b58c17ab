{#- Periods of one partition do not overlap: no period starts before an earlier one (by
    start) has ended; back-to-back periods (the next starts on the day the previous ends,
    as in a ward transfer) are fine, an open period (null end) runs for ever. Generated on
    staging models from the raw contract's staging_tests. -#}
{% test no_overlap(model, start_column, end_column, partition_columns) %}
with ordered as (

    select
        {{ partition_columns | join(', ') }},
        {{ start_column }} as start_date,
        max(coalesce({{ end_column }}, cast('9999-12-31' as date))) over (
            partition by {{ partition_columns | join(', ') }}
            order by {{ start_column }}
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from {{ model }}

)

select *
from ordered
where start_date < previous_end
{% endtest %}
