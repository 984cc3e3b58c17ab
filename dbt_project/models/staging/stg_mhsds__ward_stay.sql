-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward stays within hospital spells.
with source as (

    select * from {{ source('raw', 'mhs502_ward_stay') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqWardStayID as uniq_ward_stay_id,
        UniqHospProvSpellID as uniq_hosp_prov_spell_id,
        person_key as person_key,
        StartDateWardStay as start_date_ward_stay,
        EndDateWardStay as end_date_ward_stay,
        WardCode as ward_code,
        SiteIDOfWard as site_id_of_ward,
        MHAdmittedPatientClass as mh_admitted_patient_class,
        WardSecLevel as ward_sec_level,
        WardLocDistanceHome as ward_loc_distance_home,
        _provider as provider_code,
        _period_start as reporting_period_start,
        _submission_created as submission_created,
        _file_id as source_file_id,
        _record_no as source_record_no
    from source

),

versioned as (

    -- keep one current version of each record: the latest reporting month,
    -- then the latest submission of that month
    select
        renamed.*,
        row_number() over (
            partition by provider_code, uniq_ward_stay_id
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_ward_stay_id,
    uniq_hosp_prov_spell_id,
    person_key,
    start_date_ward_stay,
    end_date_ward_stay,
    ward_code,
    site_id_of_ward,
    mh_admitted_patient_class,
    ward_sec_level,
    ward_loc_distance_home,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
