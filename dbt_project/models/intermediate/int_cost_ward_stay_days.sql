-- The cost of each ward stay's bed days in each month. Grain: ward stay x
-- month (a stay with bed days in the month, or with PLICS cost booked in it).
--   plics method : the PLICS ward_stay_day cost of the stay in the month
--                  (all cost pools);
--   ledger method: the ward's ledger cost for the month shared over the
--                  ward's occupied bed days (MHS24) in the month, so every
--                  occupied bed day of a ward costs the same:
--                  stay cost = ward ledger cost x stay bed days / ward bed days.
-- A ward with ledger cost but no occupied bed days keeps its cost at ward
-- level (int_cost_units). PLICS rows whose ward stay is unknown have no
-- ward (ward_code null) and are reported as unmapped.
with bed_days as (

    select provider_code, period_start, uniq_ward_stay_id, occupied_bed_days
    from {{ ref('int_ward_stay_bed_days') }}

),

plics as (

    select
        provider_code,
        reporting_period_start as period_start,
        activity_id as uniq_ward_stay_id,
        sum(cast(cost_gbp as double)) as plics_cost_gbp
    from {{ ref('stg_costing__plics') }}
    where activity_type = 'ward_stay_day'
    group by provider_code, reporting_period_start, activity_id

),

stay_months as (

    select provider_code, period_start, uniq_ward_stay_id from bed_days
    union
    select provider_code, period_start, uniq_ward_stay_id from plics

),

stays as (

    select * from {{ ref('int_ward_stays') }}

),

combined as (

    select
        stay_months.provider_code,
        stay_months.period_start,
        stay_months.uniq_ward_stay_id,
        stays.ward_code,
        stays.ward_name,
        stays.locality,
        stays.bed_type,
        coalesce(stays.is_adult_acute, false) as is_adult_acute,
        coalesce(bed_days.occupied_bed_days, 0) as occupied_bed_days,
        plics.plics_cost_gbp
    from stay_months
    left join bed_days
        on bed_days.provider_code = stay_months.provider_code
        and bed_days.period_start = stay_months.period_start
        and bed_days.uniq_ward_stay_id = stay_months.uniq_ward_stay_id
    left join plics
        on plics.provider_code = stay_months.provider_code
        and plics.period_start = stay_months.period_start
        and plics.uniq_ward_stay_id = stay_months.uniq_ward_stay_id
    left join stays
        on stays.provider_code = stay_months.provider_code
        and stays.uniq_ward_stay_id = stay_months.uniq_ward_stay_id

),

ward_bed_days as (

    select provider_code, period_start, ward_code, sum(occupied_bed_days) as ward_bed_days
    from combined
    where ward_code is not null
    group by provider_code, period_start, ward_code

),

ledger as (

    select provider_code, period_start, unit_code as ward_code, ledger_cost_gbp
    from {{ ref('int_cost_ledger_units') }}
    where unit_type = 'ward'

),

methods as (

    select provider_code, period_start, cost_method
    from {{ ref('int_cost_methods') }}
    where unit_type = 'ward'

),

allocated as (

    select
        combined.*,
        case
            when ward_bed_days.ward_bed_days > 0
                then coalesce(ledger.ledger_cost_gbp, 0) * combined.occupied_bed_days
                    / ward_bed_days.ward_bed_days
            else 0
        end as ledger_allocated_cost_gbp,
        coalesce(methods.cost_method, 'ledger') as cost_method
    from combined
    left join ward_bed_days
        on ward_bed_days.provider_code = combined.provider_code
        and ward_bed_days.period_start = combined.period_start
        and ward_bed_days.ward_code = combined.ward_code
    left join ledger
        on ledger.provider_code = combined.provider_code
        and ledger.period_start = combined.period_start
        and ledger.ward_code = combined.ward_code
    left join methods
        on methods.provider_code = combined.provider_code
        and methods.period_start = combined.period_start

)

select
    provider_code,
    period_start,
    uniq_ward_stay_id,
    ward_code,
    ward_name,
    locality,
    bed_type,
    is_adult_acute,
    occupied_bed_days,
    coalesce(plics_cost_gbp, 0) as plics_cost_gbp,
    ledger_allocated_cost_gbp,
    cost_method,
    case
        when cost_method = 'plics' then coalesce(plics_cost_gbp, 0)
        else ledger_allocated_cost_gbp
    end as cost_gbp
from allocated
