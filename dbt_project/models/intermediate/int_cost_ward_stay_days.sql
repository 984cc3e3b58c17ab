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

{{ activity_months_ctes('bed_days', 'ward_stay_day', 'uniq_ward_stay_id') }},

combined as (

    select
        activity_months.provider_code,
        activity_months.period_start,
        activity_months.uniq_ward_stay_id,
        stays.ward_code,
        stays.ward_name,
        stays.locality,
        stays.bed_type,
        coalesce(stays.is_adult_acute, false) as is_adult_acute,
        coalesce(bed_days.occupied_bed_days, 0) as occupied_bed_days,
        plics.plics_cost_gbp
    from activity_months
    left join bed_days
        on {{ same_keys('bed_days', 'activity_months', ['provider_code', 'period_start', 'uniq_ward_stay_id']) }}
    left join plics
        on {{ same_keys('plics', 'activity_months', ['provider_code', 'period_start', 'uniq_ward_stay_id']) }}
    left join {{ ref('int_ward_stays') }} as stays
        on {{ same_keys('stays', 'activity_months', ['provider_code', 'uniq_ward_stay_id']) }}

),

{{ ledger_allocation_ctes('combined', 'ward', 'ward_code', 'occupied_bed_days') }}

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
    {{ allocated_cost_columns() }}
from allocated
