{#- Shared by the two activity costing models, int_cost_contacts (team, care contacts)
    and int_cost_ward_stay_days (ward, ward stay days); docs/costing-and-productivity.md. -#}

{#- The PLICS cost of each activity in each month (all cost pools), for one
    activity_type of stg_costing__plics, with its activity id named id_column. -#}
{% macro plics_activity_costs(activity_type, id_column) %}
    select
        provider_code,
        reporting_period_start as period_start,
        activity_id as {{ id_column }},
        sum(cast(cost_gbp as double)) as plics_cost_gbp
    from {{ ref('stg_costing__plics') }}
    where activity_type = '{{ activity_type }}'
    group by provider_code, reporting_period_start, activity_id
{% endmacro %}

{#- The CTEs plics (plics_activity_costs) and activity_months: every provider, month and
    activity id (id_column) with activity in the rows' CTE `rows` or PLICS cost, the rows
    a costing model costs. -#}
{% macro activity_months_ctes(rows, activity_type, id_column) %}
plics as (

    {{ plics_activity_costs(activity_type, id_column) }}

),

activity_months as (

    select provider_code, period_start, {{ id_column }} from {{ rows }}
    union
    select provider_code, period_start, {{ id_column }} from plics

)
{% endmacro %}

{#- The ledger allocation: each unit's ledger cost for the month (int_cost_ledger_units)
    shared over the unit's rows of the month in proportion to weight_column, with the
    unit's costing method for the month (int_cost_methods, default ledger). Renders the
    CTEs unit_weights, ledger, methods and allocated after the rows' CTE (`rows`: one row
    per activity x month with provider_code, period_start, unit_column, weight_column and
    plics_cost_gbp); the model then selects allocated_cost_columns() from allocated. -#}
{% macro ledger_allocation_ctes(rows, unit_type, unit_column, weight_column) %}
unit_weights as (

    select provider_code, period_start, {{ unit_column }}, sum({{ weight_column }}) as unit_weight
    from {{ rows }}
    where {{ unit_column }} is not null
    group by provider_code, period_start, {{ unit_column }}

),

ledger as (

    select provider_code, period_start, unit_code as {{ unit_column }}, ledger_cost_gbp
    from {{ ref('int_cost_ledger_units') }}
    where unit_type = '{{ unit_type }}'

),

methods as (

    select provider_code, period_start, cost_method
    from {{ ref('int_cost_methods') }}
    where unit_type = '{{ unit_type }}'

),

allocated as (

    select
        {{ rows }}.*,
        case
            when unit_weights.unit_weight > 0
                then coalesce(ledger.ledger_cost_gbp, 0) * {{ rows }}.{{ weight_column }}
                    / unit_weights.unit_weight
            else 0
        end as ledger_allocated_cost_gbp,
        coalesce(methods.cost_method, 'ledger') as cost_method
    from {{ rows }}
    left join unit_weights
        on unit_weights.provider_code = {{ rows }}.provider_code
        and unit_weights.period_start = {{ rows }}.period_start
        and unit_weights.{{ unit_column }} = {{ rows }}.{{ unit_column }}
    left join ledger
        on ledger.provider_code = {{ rows }}.provider_code
        and ledger.period_start = {{ rows }}.period_start
        and ledger.{{ unit_column }} = {{ rows }}.{{ unit_column }}
    left join methods
        on methods.provider_code = {{ rows }}.provider_code
        and methods.period_start = {{ rows }}.period_start

)
{% endmacro %}

{#- The cost columns of an allocated row: the unit's method picks PLICS or ledger. -#}
{% macro allocated_cost_columns() %}
    coalesce(plics_cost_gbp, 0) as plics_cost_gbp,
    ledger_allocated_cost_gbp,
    cost_method,
    case
        when cost_method = 'plics' then coalesce(plics_cost_gbp, 0)
        else ledger_allocated_cost_gbp
    end as cost_gbp
{% endmacro %}

{#- An activity costing model summed by the cost unit its rows count for in
    int_cost_units: their ward or team, else the unmapped unit of the activity
    (unmatched_code) for PLICS rows whose activity is unknown. The PLICS and allocated
    cost sums are here; the call's body adds the activity's own measures, each
    followed by a comma: {% call unit_activity_costs(...) %} sum(x) as x, {% endcall %} -#}
{% macro unit_activity_costs(model, unit_column, unit_type, unmatched_code) %}
    select
        provider_code,
        period_start,
        unit_type,
        unit_code,
        {{ caller() | trim }}
        sum(plics_cost_gbp) as plics_cost_gbp,
        sum(cost_gbp) as cost_allocated_gbp
    from (
        select
            activity_rows.*,
            case when {{ unit_column }} is null then 'unmapped' else '{{ unit_type }}' end
                as unit_type,
            coalesce({{ unit_column }}, '{{ unmatched_code }}') as unit_code
        from {{ ref(model) }} as activity_rows
    ) as activity
    group by provider_code, period_start, unit_type, unit_code
{% endmacro %}
