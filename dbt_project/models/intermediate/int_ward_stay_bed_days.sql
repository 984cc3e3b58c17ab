-- Occupied bed days (MHS24) and leave days (for MHS25) per ward stay and
-- month. Days run from max(stay start, month start) to min(stay end,
-- month end + 1); open stays run to month end + 1. Leave is clipped the
-- same way and also to the ward stay, so it is attributed to the ward the
-- patient was on.
with stay_months as (

    select
        stays.provider_code,
        stays.uniq_ward_stay_id,
        stays.uniq_hosp_prov_spell_id,
        stays.ward_code,
        stays.ward_name,
        stays.locality,
        stays.bed_type,
        stays.is_adult_acute,
        stays.start_date,
        stays.end_excl,
        months.period_start,
        months.next_period_start,
        {{ clipped_days('stays.start_date', 'stays.end_excl',
                        'months.period_start', 'months.next_period_start') }}
            as occupied_bed_days
    from {{ ref('int_ward_stays') }} as stays
    inner join {{ ref('int_provider_months') }} as months
        on {{ overlaps_month('stays', 'start_date', 'end_excl') }}

),

leave_days as (

    select
        sm.uniq_ward_stay_id,
        sm.period_start,
        sum({{ dbt.datediff(
            'greatest(lv.start_date, sm.start_date, sm.period_start)',
            'least(lv.end_excl, sm.end_excl, sm.next_period_start)', 'day') }}) as leave_days
    from stay_months as sm
    inner join {{ ref('int_leave_periods') }} as lv
        on {{ same_keys('lv', 'sm', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
        and lv.start_date < least(sm.end_excl, sm.next_period_start)
        and lv.end_excl > greatest(sm.start_date, sm.period_start)
    group by sm.uniq_ward_stay_id, sm.period_start

)

select
    sm.provider_code,
    sm.uniq_ward_stay_id,
    sm.uniq_hosp_prov_spell_id,
    sm.ward_code,
    sm.ward_name,
    sm.locality,
    sm.bed_type,
    sm.is_adult_acute,
    sm.period_start,
    sm.occupied_bed_days,
    coalesce(ld.leave_days, 0) as leave_days,
    sm.occupied_bed_days - coalesce(ld.leave_days, 0) as bed_days_less_leave
from stay_months as sm
left join leave_days as ld
    on {{ same_keys('ld', 'sm', ['uniq_ward_stay_id', 'period_start']) }}
