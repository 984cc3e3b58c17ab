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
--   readmission_window_complete : the month's 30-day readmission windows have all
--                 closed: month end + 30 days <= the last day of the provider's
--                 latest submitted month (the rule of mart_metric_values.is_complete
--                 for readmission_30d_pct). int_productivity_index keeps months
--                 where it is false out of the quality adjustment.
{%- set base_months = var('productivity_base_months', 12) | int %}
{%- set base_start = var('productivity_base_start', none) %}
with months as (

    select provider_code, period_start, period_end
    from {{ ref('int_provider_months') }}

),

latest_month as (

    select provider_code, max(period_end) as latest_period_end
    from months
    group by provider_code

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
            as months_from_base,
        {{ add_days('months.period_end', 30) }} <= latest_month.latest_period_end
            as readmission_window_complete
    from months
    inner join bases
        on bases.provider_code = months.provider_code
    inner join latest_month
        on latest_month.provider_code = months.provider_code

)

select
    provider_code,
    period_start,
    base_period_start,
    cast({{ dbt.dateadd('month', base_months - 1, 'base_period_start') }} as date)
        as base_period_end,
    {{ base_months }} as link_length_months,
    months_from_base,
    cast(floor(months_from_base / {{ base_months }}.0) as integer) as link_period,
    readmission_window_complete
from indexed
where months_from_base >= 0
