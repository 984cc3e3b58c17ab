-- Every provider in England on the peer measures (seed peer_measures), from NHS England's
-- publication: one row per month, measure and provider, with England's value, the
-- provider's rank among the providers with a published (unsuppressed) value (1 = best by
-- the measure's better direction) and, for a proportion, where it sits in a binomial
-- funnel around England's value against its own published denominator (95% and 99.8%
-- limits, as the local funnels: docs/spc-and-funnels.md, clamped to 0 and 100 per cent,
-- that is 0 and the multiplier, on the published scale). Means and counts are ranked
-- only: the national file gives no spread and no provider populations.
-- is_local marks the providers in this warehouse.
with published as (

    select * from {{ ref('int_national_published_compared') }}
    where breakdown <> 'Sending Provider'

),

peer as (select * from {{ ref('peer_measures') }}),

local_providers as (

    select distinct provider_code from {{ ref('int_national_periods') }}

),

provider_values as (

    select
        published.period_month,
        published.measure_id,
        published.measure_name,
        published.breakdown,
        published.primary_level as provider_code,
        published.primary_level_description as provider_name,
        published.measure_value as value
    from published
    inner join peer
        on peer.measure_id = published.measure_id
    where published.breakdown <> 'England'
        and published.secondary_level = 'NONE'

),

denominators as (

    select
        published.period_month,
        peer.measure_id,
        published.primary_level as provider_code,
        published.measure_value as denominator
    from published
    inner join peer
        on peer.denominator_id = published.measure_id
    where published.breakdown <> 'England'

),

england as (

    select
        published.period_month,
        published.measure_id,
        published.measure_value as england_value
    from published
    inner join peer
        on peer.measure_id = published.measure_id
    where published.breakdown = 'England'

),

ranked as (

    select
        v.*,
        peer.kind,
        peer.better_direction,
        peer.multiplier,
        d.denominator,
        e.england_value,
        case when v.value is not null then
            rank() over (
                partition by v.period_month, v.measure_id, (v.value is null)
                order by case when peer.better_direction = 'higher' then -v.value else v.value end
            )
        end as rank,
        count(v.value) over (partition by v.period_month, v.measure_id) as providers_ranked
    from provider_values as v
    inner join peer
        on peer.measure_id = v.measure_id
    left join denominators as d
        on {{ same_keys('d', 'v', ['period_month', 'measure_id', 'provider_code']) }}
    left join england as e
        on {{ same_keys('e', 'v', ['period_month', 'measure_id']) }}

),

limits as (

    select
        ranked.*,
        -- binomial funnel on the proportion scale, shown on the published scale (x multiplier)
        case when kind = 'proportion' and denominator > 0 and england_value is not null then
            sqrt((england_value / multiplier) * (1 - england_value / multiplier) / denominator)
                * multiplier
        end as funnel_sd
    from ranked

)

select
    period_month,
    measure_id,
    measure_name,
    breakdown,
    provider_code,
    provider_name,
    is_local,
    kind,
    better_direction,
    value,
    denominator,
    england_value,
    cast(rank as integer) as rank,
    cast(providers_ranked as integer) as providers_ranked,
    lower_95,
    upper_95,
    lower_998,
    upper_998,
    case
        when funnel_sd is null or value is null then null
        when value > upper_998 then 'above_998'
        when value < lower_998 then 'below_998'
        when value > upper_95 then 'above_95'
        when value < lower_95 then 'below_95'
        else 'within'
    end as position
from (
    select
        limits.*,
        local_providers.provider_code is not null as is_local,
        -- a proportion lies between 0 and 100 per cent: a small denominator's limits are
        -- clamped there, as the local binomial funnels (mart_funnel); null without a funnel
        {%- for level, z in [('95', 1.959964), ('998', 3.090232)] %}
        case when funnel_sd is not null then
            case when england_value - {{ z }} * funnel_sd < 0 then 0.0
                 else england_value - {{ z }} * funnel_sd end
        end as lower_{{ level }},
        case when funnel_sd is not null then
            case when england_value + {{ z }} * funnel_sd > multiplier then cast(multiplier as double)
                 else england_value + {{ z }} * funnel_sd end
        end as upper_{{ level }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from limits
    left join local_providers
        on local_providers.provider_code = limits.provider_code
) as with_local
