-- The periods funnel plots are drawn for, one row per provider and period type:
-- 'month' = the provider's latest submitted month; 'rolling_12m' = the 12 months
-- ending with it, only when all 12 were submitted (as int_metric_values does
-- for its own rolling windows).
with provider_months as (

    -- months the provider submitted (provider-level rows exist for every one)
    select distinct provider_code, period_start
    from {{ ref('int_metric_values') }}
    where period_type = 'month'
      and level = 'provider'

),

latest as (

    select provider_code, max(period_start) as latest_month
    from provider_months
    group by provider_code

),

windows as (

    select
        provider_code,
        'month' as period_type,
        latest_month as period_start,
        latest_month as window_start,
        1 as months_required
    from latest
    union all
    select
        provider_code,
        'rolling_12m' as period_type,
        latest_month as period_start,
        cast({{ dbt.dateadd('month', -11, 'latest_month') }} as date) as window_start,
        12 as months_required
    from latest

),

counted as (

    select
        windows.provider_code,
        windows.period_type,
        windows.period_start,
        windows.window_start,
        windows.months_required,
        count(*) as months_in_window
    from windows
    inner join provider_months
        on {{ month_in_window('provider_months', 'windows', 'window_start', 'period_start') }}
    group by windows.provider_code, windows.period_type, windows.period_start,
             windows.window_start, windows.months_required

)

select
    provider_code,
    period_type,
    period_start,
    window_start,
    months_in_window
from counted
where months_in_window = months_required
