-- The reporting periods of the national measures: one row per provider, month the
-- provider submitted, and measure frequency, with the window the frequency covers
-- (M: the month; Q: the rolling quarter M-2..M; Y: the rolling 12 months M-11..M, as
-- NHS England's mh_freq_to_rp_startdate does) and the month's status.
--
-- Status: NHS England publishes month M as Provisional from its primary submission and
-- as Performance once the refresh window (submitted with month M+1) has closed. We have
-- only each month's latest delivery, so a month is Performance once any provider has
-- submitted a later month, and Provisional while it is the latest month loaded.
with headers as (

    select distinct provider_code, reporting_period_start as period_month
    from {{ ref('stg_mhsds__header') }}

),

latest as (

    select max(period_month) as latest_month from headers

),

frequencies as (

    select 'M' as frequency, 0 as months_back
    union all
    select 'Q', 2
    union all
    select 'Y', 11

)

select
    headers.provider_code,
    headers.period_month,
    frequencies.frequency,
    cast({{ dbt.dateadd('month', '-1 * frequencies.months_back', 'headers.period_month') }} as date)
        as window_start_month,
    cast({{ dbt.dateadd('day', -1, next_month_start('headers.period_month')) }} as date)
        as reporting_period_end,
    case
        when headers.period_month < latest.latest_month then 'Performance'
        else 'Provisional'
    end as status
from headers
cross join frequencies
cross join latest
