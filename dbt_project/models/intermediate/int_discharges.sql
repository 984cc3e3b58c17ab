-- Discharged spells with the flags the discharge-based metrics need:
-- LOS bands, 30-day emergency readmission and 72-hour follow-up.
with spells as (

    select * from {{ ref('int_hospital_spells') }}
    where discharge_date is not null

),

qualifying_contacts as (

    -- attended (5, 6) and not by a mechanism the national measure excludes
    select provider_code, person_key, care_cont_date
    from {{ ref('int_care_contacts') }}
    where attend_status in ('5', '6')
      and coalesce(cons_mechanism_mh, 'xx') not in ('05', '09', '10', '12', '13', '98')

),

followed_up as (

    select distinct spells.provider_code, spells.uniq_hosp_prov_spell_id
    from spells
    inner join qualifying_contacts as c
        on c.provider_code = spells.provider_code
        and c.person_key = spells.person_key
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
    coalesce(spells.discharge_bed_type in ('200', '201', '202'), false) as is_adult_acute,
    spells.age_at_discharge,
    spells.discharge_method,
    spells.discharge_destination,
    -- 30-day emergency readmission (index discharges only)
    case
        when coalesce(spells.discharge_method, 'x') in ('4', '6', '7', '8') then false
        when coalesce(spells.discharge_destination, 'x')
            in ('48', '49', '50', '53', '79', '84', '87') then false
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
        when not coalesce(spells.discharge_bed_type in ('200', '201', '202'), false) then false
        when coalesce(spells.discharge_method, 'x') in ('4', '5') then false
        when coalesce(spells.discharge_destination, 'x') in
            ('30', '37', '40', '42', '48', '49', '50', '53', '79', '84', '87', '89') then false
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
    on followed_up.provider_code = spells.provider_code
    and followed_up.uniq_hosp_prov_spell_id = spells.uniq_hosp_prov_spell_id
