{#- The submission a national prep row comes from: provider, submission month and the first
    day after it (the `_submitted` staging views carry reporting_period_start). -#}
{% macro submission_columns() -%}
    provider_code,
    reporting_period_start as submission_month,
    {{ next_month_start('reporting_period_start') }} as next_period_start
{%- endmacro %}

{#- The people with an MPI record in each provider's submission of a month (the national
    measures' "person in the same submission's MPI" condition). -#}
{% macro submission_mpi_people() -%}
    select distinct
        provider_code,
        reporting_period_start as submission_month,
        person_key
    from {{ ref('stg_mhsds__mpi_submitted') }}
{%- endmacro %}
