-- The cost of inappropriate out-of-area placement bed days by placement and
-- month: OAP bed days (as int_oap_months) x the daily price. The price is
-- the OAP log's DailyCostGBP where known; otherwise the configured price of
-- reference seed oap_prices for the placement's bed type, else its
-- 'default' row (the row with the latest valid_from on or before the first
-- day of the month). Placements found only in receiving providers' MHSDS
-- data never carry a price, so they always use the configured one.
with oap as (select * from {{ ref('int_oap_months') }}),

priced as (

    select
        oap.provider_code,
        oap.placement_id,
        oap.source,
        oap.period_start,
        prices.bed_type as price_bed_type,
        prices.daily_price_gbp,
        row_number() over (
            partition by oap.provider_code, oap.placement_id, oap.source, oap.period_start
            order by
                case when prices.bed_type = 'default' then 1 else 0 end,
                prices.valid_from desc
        ) as rn
    from oap
    inner join {{ ref('oap_prices') }} as prices
        on (prices.bed_type = oap.bed_type or prices.bed_type = 'default')
        and prices.valid_from <= oap.period_start

)

select
    oap.provider_code,
    oap.placement_id,
    oap.source,
    oap.locality,
    oap.bed_type,
    oap.is_adult_acute,
    oap.period_start,
    oap.oap_bed_days,
    coalesce(oap.daily_cost_gbp, priced.daily_price_gbp) as daily_price_gbp,
    case
        when oap.daily_cost_gbp is not null then 'oap_log'
        when priced.price_bed_type = 'default' then 'configured_default'
        when priced.price_bed_type is not null then 'configured_bed_type'
    end as price_source,
    oap.oap_bed_days * coalesce(oap.daily_cost_gbp, priced.daily_price_gbp) as oap_cost_gbp
from oap
left join priced
    on {{ same_keys('priced', 'oap', ['provider_code', 'placement_id', 'source', 'period_start']) }}
    and priced.rn = 1
