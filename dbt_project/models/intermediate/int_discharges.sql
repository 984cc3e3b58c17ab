-- Discharged spells with the flags the discharge-based metrics need:
-- LOS bands, 30-day emergency readmission and 72-hour follow-up.
with spells as (

    select * from {{ ref('int_hospital_spells') }}
    where discharge_date is not null

),

qualifying_contacts as (

    -- attended (5, 6) and not by a mechanism the national measure excludes
    select contacts.provider_code, contacts.person_key, contacts.care_cont_date
    from {{ ref('int_care_contacts') }} as contacts
    {{ code_list_join('attend_status_groups', 'attended', 'contacts.attend_status', kind='inner') }}
    {{ code_list_join('consultation_mechanism_groups', 'followup_excluded',
                      'contacts.cons_mechanism_mh', alias='excluded') }}
    where excluded.code is null

),

followed_up as (

    select distinct spells.provider_code, spells.uniq_hosp_prov_spell_id
    from spells
    inner join qualifying_contacts as c
        on {{ same_keys('c', 'spells', ['provider_code', 'person_key']) }}
        and c.care_cont_date >= spells.discharge_date
        and c.care_cont_date <= {{ add_days('spells.discharge_date', 3) }}

)

select
    spells.provider_code,
    spells.uniq_hosp_prov_spell_id,
    spells.person_key,
    spells.admission_date,
    spells.discharge_date,
    {{ month_start('spells.discharge_date') }} as period_start,
    spells.los_days,
    spells.discharge_ward_code as ward_code,
    spells.discharge_ward_name as ward_name,
    coalesce(spells.discharge_locality, 'Unknown') as locality,
    spells.discharge_bed_type as bed_type,
    adult_acute.code is not null as is_adult_acute,
    spells.age_at_discharge,
    spells.discharge_method,
    spells.discharge_destination,
    -- 30-day emergency readmission (index discharges only)
    case
        when readmission_method.code is not null then false
        when readmission_destination.code is not null then false
        else true
    end as is_readmission_index,
    coalesce(
        spells.next_admission_method_group = 'emergency'
        and {{ days_between('spells.discharge_date', 'spells.next_admission_date') }}
            between 0 and 30,
        false
    ) as is_readmitted_30d,
    -- 72-hour follow-up: adult acute, not died / excluded destinations
    case
        when adult_acute.code is null then false
        when followup_method.code is not null then false
        when followup_destination.code is not null then false
        when spells.death_date is not null
            and spells.death_date <= {{ add_days('spells.discharge_date', 3) }} then false
        else true
    end as is_followup_eligible,
    followed_up.uniq_hosp_prov_spell_id is not null as is_followed_up_72h,
    -- the follow-up measure reports discharges from month start - 4 days to
    -- month end - 4 days in that month
    {{ month_start(add_days('spells.discharge_date', 4)) }} as followup_period_start
from spells
left join followed_up
    on {{ same_keys('followed_up', 'spells', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
{{ code_list_join('bed_type_groups', 'adult_acute', 'spells.discharge_bed_type') }}
{{ code_list_join('discharge_method_groups', 'readmission_index_excluded',
                  'spells.discharge_method', alias='readmission_method') }}
{{ code_list_join('discharge_destination_groups', 'readmission_index_excluded',
                  'spells.discharge_destination', alias='readmission_destination') }}
{{ code_list_join('discharge_method_groups', 'followup_excluded',
                  'spells.discharge_method', alias='followup_method') }}
{{ code_list_join('discharge_destination_groups', 'followup_excluded',
                  'spells.discharge_destination', alias='followup_destination') }}
