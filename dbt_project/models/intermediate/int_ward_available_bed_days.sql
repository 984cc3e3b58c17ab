-- Available bed days per ward and month, and the basis they rest on:
-- the ward's AvailBedDays of MHS903WardDetails (MHSDS v6) where the provider
-- submitted it for that ward and month (capacity_basis 'mhs903'), else
-- commissioned beds x the days each ward reference row is effective in the
-- month (capacity_basis 'commissioned_beds'). Closed bed days come with the
-- MHS903 basis only; they are null where the ward-month has none.
with wards as (select * from {{ ref('int_wards') }}),

months as (select * from {{ ref('int_provider_months') }}),

commissioned as (

    select
        wards.provider_code,
        wards.ward_code,
        max(wards.ward_name) as ward_name,
        max(wards.locality) as locality,
        max(wards.ward_bed_type) as bed_type,
        max(case when adult_acute.code is not null then 1 else 0 end) = 1
            as is_adult_acute,
        months.period_start,
        sum(wards.commissioned_beds * {{ clipped_days('wards.effective_from', 'wards.effective_to_excl',
                                                     'months.period_start', 'months.next_period_start') }})
            as commissioned_bed_days
    from wards
    inner join months on {{ overlaps_month('wards', 'effective_from', 'effective_to_excl') }}
    {{ code_list_join('bed_type_groups', 'adult_acute', 'wards.ward_bed_type') }}
    group by wards.provider_code, wards.ward_code, months.period_start

),

ward_details as (

    -- the month's MHS903 rows of submitted months, with available bed days filled in
    select
        details.provider_code,
        details.ward_code,
        details.reporting_period_start as period_start,
        details.avail_bed_days,
        details.closed_bed_days
    from {{ ref('stg_mhsds__ward_details') }} as details
    inner join months
        on months.provider_code = details.provider_code
        and months.period_start = details.reporting_period_start
    where details.avail_bed_days is not null

),

latest_ward_row as (

    -- name, locality and bed type of an MHS903 ward in a month without a reference row
    select
        provider_code,
        ward_code,
        ward_name,
        locality,
        ward_bed_type,
        row_number() over (
            partition by provider_code, ward_code
            order by effective_from desc
        ) as row_rank
    from wards

),

ward_months as (

    select provider_code, ward_code, period_start from commissioned
    union
    select provider_code, ward_code, period_start from ward_details

)

select
    ward_months.provider_code,
    ward_months.ward_code,
    coalesce(commissioned.ward_name, latest.ward_name, ward_months.ward_code) as ward_name,
    coalesce(commissioned.locality, latest.locality, 'Unknown') as locality,
    coalesce(commissioned.bed_type, latest.ward_bed_type) as bed_type,
    coalesce(commissioned.is_adult_acute, latest_adult_acute.code is not null) as is_adult_acute,
    ward_months.period_start,
    case
        when ward_details.avail_bed_days is not null then 'mhs903'
        else 'commissioned_beds'
    end as capacity_basis,
    coalesce(ward_details.avail_bed_days, commissioned.commissioned_bed_days)
        as available_bed_days,
    ward_details.closed_bed_days,
    commissioned.commissioned_bed_days
from ward_months
left join commissioned
    on {{ same_keys('commissioned', 'ward_months', ['provider_code', 'ward_code', 'period_start']) }}
left join ward_details
    on {{ same_keys('ward_details', 'ward_months', ['provider_code', 'ward_code', 'period_start']) }}
left join latest_ward_row as latest
    on {{ same_keys('latest', 'ward_months', ['provider_code', 'ward_code']) }}
    and latest.row_rank = 1
{{ code_list_join('bed_type_groups', 'adult_acute',
                  'latest.ward_bed_type', alias='latest_adult_acute') }}
