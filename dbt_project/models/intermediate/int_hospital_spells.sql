-- One row per hospital provider spell (current version) with admission
-- method group, length of stay, admission and discharge ward (and so
-- locality and bed type), age, death date and the person's next spell.
with spells as (select * from {{ ref('stg_mhsds__hosp_prov_spell') }}),

stays as (select * from {{ ref('int_ward_stays') }}),

mpi as (

    select provider_code, person_key, person_birth_month, pers_death_date
    from {{ ref('stg_mhsds__mpi') }}

),

first_stay as (

    select * from (
        select
            stays.*,
            row_number() over (
                partition by provider_code, uniq_hosp_prov_spell_id
                order by start_date, uniq_ward_stay_id
            ) as rn
        from stays
    ) as ranked
    where rn = 1

),

-- bed type at discharge: the ward stay ending on the discharge date (latest
-- start if several); failing that, the latest ward stay of the spell
last_stay as (

    select * from (
        select
            stays.*,
            row_number() over (
                partition by stays.provider_code, stays.uniq_hosp_prov_spell_id
                order by
                    case when stays.end_date = spells.disch_date_hosp_prov_spell then 0 else 1 end,
                    stays.start_date desc,
                    stays.uniq_ward_stay_id desc
            ) as rn
        from stays
        inner join spells
            on {{ same_keys('spells', 'stays', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
    ) as ranked
    where rn = 1

),

enriched as (

    select
        spells.provider_code,
        spells.uniq_hosp_prov_spell_id,
        spells.uniq_serv_req_id,
        spells.person_key,
        spells.start_date_hosp_prov_spell as admission_date,
        spells.disch_date_hosp_prov_spell as discharge_date,
        spells.meth_adm_mh_hosp_prov_spell as admission_method,
        coalesce(admission_methods.list_id, 'unknown') as admission_method_group,
        spells.source_adm_mh_hosp_prov_spell as admission_source,
        spells.meth_of_disch_mh_hosp_prov_spell as discharge_method,
        spells.dest_of_disch_hosp_prov_spell as discharge_destination,
        {{ days_between('spells.start_date_hosp_prov_spell',
                        'spells.disch_date_hosp_prov_spell') }} as los_days,
        first_stay.ward_code as admission_ward_code,
        first_stay.ward_name as admission_ward_name,
        first_stay.locality as admission_locality,
        first_stay.bed_type as admission_bed_type,
        admission_adult_acute.code is not null as is_admission_adult_acute,
        last_stay.ward_code as discharge_ward_code,
        last_stay.ward_name as discharge_ward_name,
        last_stay.locality as discharge_locality,
        last_stay.bed_type as discharge_bed_type,
        floor({{ days_between('mpi.person_birth_month', 'spells.start_date_hosp_prov_spell') }}
              / cast(365.25 as double)) as age_at_admission,
        floor({{ days_between('mpi.person_birth_month', 'spells.disch_date_hosp_prov_spell') }}
              / cast(365.25 as double)) as age_at_discharge,
        mpi.pers_death_date as death_date
    from spells
    left join {{ ref('admission_method_groups') }} as admission_methods
        on admission_methods.code = spells.meth_adm_mh_hosp_prov_spell
    left join first_stay
        on {{ same_keys('first_stay', 'spells', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
    {{ code_list_join('bed_type_groups', 'adult_acute',
                      'first_stay.bed_type', alias='admission_adult_acute') }}
    left join last_stay
        on {{ same_keys('last_stay', 'spells', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
    left join mpi
        on {{ same_keys('mpi', 'spells', ['provider_code', 'person_key']) }}

)

select
    enriched.*,
    lead(admission_date) over (
        partition by provider_code, person_key
        order by admission_date, uniq_hosp_prov_spell_id
    ) as next_admission_date,
    lead(admission_method_group) over (
        partition by provider_code, person_key
        order by admission_date, uniq_hosp_prov_spell_id
    ) as next_admission_method_group
from enriched
