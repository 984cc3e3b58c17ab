-- Available bed days per ward and month: commissioned beds x the days each
-- ward reference row is effective in the month.
with wards as (

    select * from {{ ref('int_wards') }}

),

months as (

    select * from {{ ref('int_provider_months') }}

)

select
    wards.provider_code,
    wards.ward_code,
    max(wards.ward_name) as ward_name,
    max(wards.locality) as locality,
    max(wards.ward_bed_type) as bed_type,
    max(case when wards.ward_bed_type in ('200', '201', '202') then 1 else 0 end) = 1
        as is_adult_acute,
    months.period_start,
    sum(wards.commissioned_beds * {{ clipped_days('wards.effective_from', 'wards.effective_to_excl',
                                                 'months.period_start', 'months.next_period_start') }})
        as available_bed_days
from wards
inner join months
    on months.provider_code = wards.provider_code
    and wards.effective_from < months.next_period_start
    and wards.effective_to_excl > months.period_start
group by wards.provider_code, wards.ward_code, months.period_start
