-- The productivity base period and chain-link period of each provider's
-- months. Grain: provider x month (months with an MHSDS submission, from
-- the base period start on).
--   base period : the first N months of the provider's data, N = dbt var
--                 productivity_base_months (default 12); or N months from
--                 dbt var productivity_base_start ('YYYY-MM-01') for every
--                 provider when that var is set. Months before it are left
--                 out of the productivity index.
--   link period : floor(months since the base start / N): 0 = the base
--                 period, 1 = the next N months, ... Output in link period
--                 p is valued at the unit costs of link period p - 1 (p = 0
--                 at its own) and the links are chained (int_productivity_index).
{%- set base_months = var('productivity_base_months', 12) | int %}
{%- set base_start = var('productivity_base_start', none) %}
with months as (

    select provider_code, period_start
    from {{ ref('int_provider_months') }}

),

bases as (

    select
        provider_code,
        {%- if base_start %}
        cast('{{ base_start }}' as date) as base_period_start
        {%- else %}
        min(period_start) as base_period_start
        {%- endif %}
    from months
    group by provider_code

),

indexed as (

    select
        months.provider_code,
        months.period_start,
        bases.base_period_start,
        {{ dbt.datediff('bases.base_period_start', 'months.period_start', 'month') }}
            as months_from_base
    from months
    inner join bases
        on bases.provider_code = months.provider_code

)

select
    provider_code,
    period_start,
    base_period_start,
    cast({{ dbt.dateadd('month', base_months - 1, 'base_period_start') }} as date)
        as base_period_end,
    {{ base_months }} as link_length_months,
    months_from_base,
    cast(floor(months_from_base / {{ base_months }}.0) as integer) as link_period
from indexed
where months_from_base >= 0
