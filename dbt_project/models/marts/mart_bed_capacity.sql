-- Bed capacity behind occupancy, per provider, locality and ward and month: the
-- available bed days occupancy divides by, the basis they rest on (MHS903
-- AvailBedDays or commissioned beds, int_ward_available_bed_days), the
-- commissioned bed days and MHS903's temporarily closed bed days. A provider or
-- locality whose wards differ in basis is 'mixed'; its ward rows say which is
-- which. Aggregates only. Published as bed_capacity.
with capacity as (select * from {{ ref('int_ward_available_bed_days') }}),

by_level as (

    select provider_code, 'provider' as level, provider_code as unit_code,
           provider_code as unit_name, cast(null as {{ dbt.type_string() }}) as locality,
           period_start, capacity_basis, available_bed_days, closed_bed_days,
           commissioned_bed_days
    from capacity
    union all
    select provider_code, 'locality', locality, locality, locality, period_start,
           capacity_basis, available_bed_days, closed_bed_days, commissioned_bed_days
    from capacity
    union all
    select provider_code, 'ward', ward_code, ward_name, locality, period_start,
           capacity_basis, available_bed_days, closed_bed_days, commissioned_bed_days
    from capacity

)

select
    provider_code,
    level,
    unit_code,
    max(unit_name) as unit_name,
    max(locality) as locality,
    period_start,
    case
        when min(capacity_basis) = max(capacity_basis) then max(capacity_basis)
        else 'mixed'
    end as capacity_basis,
    sum(available_bed_days) as available_bed_days,
    sum(closed_bed_days) as closed_bed_days,
    sum(commissioned_bed_days) as commissioned_bed_days
from by_level
group by provider_code, level, unit_code, period_start
