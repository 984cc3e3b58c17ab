-- One row per provider and reporting month that has an MHSDS submission:
-- the months every metric is computed for.
with headers as (

    select distinct
        provider_code,
        reporting_period_start_date as period_start
    from {{ ref('stg_mhsds__header') }}

)

select
    provider_code,
    period_start,
    {{ next_month_start('period_start') }} as next_period_start,
    {{ add_days(next_month_start('period_start'), -1) }} as period_end,
    {{ days_between('period_start', next_month_start('period_start')) }} as days_in_month
from headers
