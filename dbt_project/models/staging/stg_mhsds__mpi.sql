-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Master patient index, one row per patient per submission.
with source as (

    select * from {{ source('raw', 'mhs001_mpi') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        person_key as person_key,
        nhs_number_key as nhs_number_key,
        person_birth_month as person_birth_month,
        Gender as gender,
        EthnicCategory as ethnic_category,
        OrgIDSubICBLocResidence as org_id_sub_icb_loc_residence,
        LSOA2011 as lsoa2011,
        PersDeathDate as pers_death_date,
        nhs_number_valid as nhs_number_valid,
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
            partition by provider_code, person_key
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    person_key,
    nhs_number_key,
    person_birth_month,
    gender,
    ethnic_category,
    org_id_sub_icb_loc_residence,
    lsoa2011,
    pers_death_date,
    nhs_number_valid,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
