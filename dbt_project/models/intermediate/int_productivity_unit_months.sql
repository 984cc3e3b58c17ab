-- Monthly inputs to the productivity index for each provider and locality.
-- Grain: provider x level (provider, locality) x unit_code x month, for
-- every month of int_productivity_periods and every locality the provider
-- has activity or cost in (zero when a locality has none that month).
--   output_own_prices_gbp  : sum of quantity x unit cost of the month's own
--                            link period;
--   output_prev_prices_gbp : sum of quantity x unit cost of the previous link
--                            period (null in the base period). Categories
--                            without a unit cost in that period are left out;
--   inpatient_*            : the bed-day part of each;
--   input_cost_gbp         : nominal total cost (int_cost_units.cost_total_gbp;
--                            provider level includes unmapped costs);
--   deflator_index         : the deflator of the month (seed deflators, series
--                            = dbt var deflator_series);
--   readmission / follow-up counts for the quality adjustment
--   (int_discharges: readmission by discharge month, 72-hour follow-up by its
--   reporting month).
{%- set series = var('deflator_series', 'flat_placeholder') %}
with periods as (select * from {{ ref('int_productivity_periods') }}),

unit_costs as (select * from {{ ref('int_productivity_unit_costs') }}),

valued as (

    select
        activity.provider_code,
        activity.period_start,
        activity.link_period,
        activity.locality,
        activity.activity_type,
        activity.quantity * own_costs.unit_cost_gbp as value_own,
        activity.quantity * prev_costs.unit_cost_gbp as value_prev
    from {{ ref('int_productivity_activity') }} as activity
    left join unit_costs as own_costs
        on {{ same_keys('own_costs', 'activity', ['provider_code', 'link_period', 'activity_type', 'category_code']) }}
    left join unit_costs as prev_costs
        on prev_costs.provider_code = activity.provider_code
        and prev_costs.link_period = activity.link_period - 1
        and {{ same_keys('prev_costs', 'activity', ['activity_type', 'category_code']) }}

),

costs as (

    select units.provider_code, units.period_start, units.locality, units.cost_total_gbp
    from {{ ref('int_cost_units') }} as units
    inner join periods
        on {{ same_keys('periods', 'units', ['provider_code', 'period_start']) }}

),

discharges as (

    select
        provider_code,
        period_start,
        locality,
        case when is_readmission_index then 1 else 0 end as readmission_index,
        case when is_readmission_index and is_readmitted_30d then 1 else 0 end as readmitted,
        0 as followup_eligible,
        0 as followed_up
    from {{ ref('int_discharges') }}
    union all
    select
        provider_code,
        followup_period_start as period_start,
        locality,
        0,
        0,
        1,
        case when is_followed_up_72h then 1 else 0 end
    from {{ ref('int_discharges') }}
    where is_followup_eligible

),

facts as (

    -- one long list of monthly facts by locality; rolled up below
    select provider_code, period_start, locality,
           value_own, value_prev,
           case when activity_type = 'bed_day' then value_own end as inpatient_own,
           case when activity_type = 'bed_day' then value_prev end as inpatient_prev,
           cast(null as double) as input_cost_gbp,
           0 as readmission_index, 0 as readmitted, 0 as followup_eligible, 0 as followed_up,
           'activity' as fact_kind
    from valued
    union all
    select provider_code, period_start, locality,
           null, null, null, null, cost_total_gbp, 0, 0, 0, 0, 'cost'
    from costs
    union all
    select discharges.provider_code, discharges.period_start, discharges.locality,
           null, null, null, null, null,
           readmission_index, readmitted, followup_eligible, followed_up, 'quality'
    from discharges
    inner join periods
        on {{ same_keys('periods', 'discharges', ['provider_code', 'period_start']) }}

),

by_level as (

    select
        provider_code, period_start, 'provider' as level, provider_code as unit_code,
        value_own, value_prev, inpatient_own, inpatient_prev, input_cost_gbp,
        readmission_index, readmitted, followup_eligible, followed_up, fact_kind
    from facts
    union all
    select
        provider_code, period_start, 'locality' as level, locality as unit_code,
        value_own, value_prev, inpatient_own, inpatient_prev, input_cost_gbp,
        readmission_index, readmitted, followup_eligible, followed_up, fact_kind
    from facts
    where locality is not null

),

units as (

    select distinct provider_code, level, unit_code
    from by_level
    where fact_kind in ('activity', 'cost')

),

grid as (

    select
        periods.provider_code,
        periods.period_start,
        periods.base_period_start,
        periods.base_period_end,
        periods.link_period,
        units.level,
        units.unit_code
    from periods
    inner join units
        on units.provider_code = periods.provider_code

),

summed as (

    select
        provider_code, period_start, level, unit_code,
        sum(value_own) as value_own,
        sum(value_prev) as value_prev,
        sum(inpatient_own) as inpatient_own,
        sum(inpatient_prev) as inpatient_prev,
        sum(input_cost_gbp) as input_cost_gbp,
        sum(readmission_index) as readmission_index,
        sum(readmitted) as readmitted,
        sum(followup_eligible) as followup_eligible,
        sum(followed_up) as followed_up
    from by_level
    group by provider_code, period_start, level, unit_code

),

deflators as (

    select valid_from, deflator_index
    from {{ ref('deflators') }}
    where series_id = '{{ series }}'

),

month_deflator as (

    select provider_code, period_start, deflator_index
    from (
        select
            periods.provider_code,
            periods.period_start,
            deflators.deflator_index,
            row_number() over (
                partition by periods.provider_code, periods.period_start
                order by deflators.valid_from desc
            ) as rn
        from periods
        inner join deflators
            on deflators.valid_from <= periods.period_start
    ) as ranked
    where rn = 1

)

select
    grid.provider_code,
    grid.level,
    grid.unit_code,
    grid.period_start,
    grid.base_period_start,
    grid.base_period_end,
    grid.link_period,
    coalesce(summed.value_own, 0) as output_own_prices_gbp,
    case when grid.link_period > 0 then coalesce(summed.value_prev, 0) end
        as output_prev_prices_gbp,
    coalesce(summed.inpatient_own, 0) as inpatient_own_prices_gbp,
    case when grid.link_period > 0 then coalesce(summed.inpatient_prev, 0) end
        as inpatient_prev_prices_gbp,
    coalesce(summed.input_cost_gbp, 0) as input_cost_gbp,
    month_deflator.deflator_index,
    '{{ series }}' as deflator_series,
    coalesce(summed.readmission_index, 0) as readmission_index_discharges,
    coalesce(summed.readmitted, 0) as readmitted_discharges,
    coalesce(summed.followup_eligible, 0) as followup_eligible_discharges,
    coalesce(summed.followed_up, 0) as followed_up_discharges
from grid
left join summed
    on {{ same_keys('summed', 'grid', ['provider_code', 'period_start', 'level', 'unit_code']) }}
left join month_deflator
    on {{ same_keys('month_deflator', 'grid', ['provider_code', 'period_start']) }}
