-- Ward stays with their ward's locality and bed type, and an exclusive end
-- date: the end date, or (while open) the end of the last month the record
-- was submitted in, so a stay that stops being submitted is not counted
-- forever.
select
    stays.provider_code,
    stays.uniq_ward_stay_id,
    stays.uniq_hosp_prov_spell_id,
    stays.person_key,
    stays.ward_code,
    coalesce(wards.ward_name, stays.ward_code) as ward_name,
    coalesce(wards.locality, 'Unknown') as locality,
    coalesce(stays.mh_admitted_patient_class, wards.ward_bed_type) as bed_type,
    adult_acute.code is not null as is_adult_acute,
    stays.start_date_ward_stay as start_date,
    stays.end_date_ward_stay as end_date,
    coalesce(
        stays.end_date_ward_stay,
        {{ next_month_start('stays.reporting_period_start') }}
    ) as end_excl,
    stays.reporting_period_start as last_submitted_period
from {{ ref('stg_mhsds__ward_stay') }} as stays
left join {{ ref('int_wards') }} as wards
    on {{ same_keys('wards', 'stays', ['provider_code', 'ward_code']) }}
    and stays.start_date_ward_stay >= wards.effective_from
    and stays.start_date_ward_stay < wards.effective_to_excl
{{ code_list_join('bed_type_groups', 'adult_acute',
                  'coalesce(stays.mh_admitted_patient_class, wards.ward_bed_type)') }}
