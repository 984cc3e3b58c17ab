-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Periods of home leave during a spell.
with source as (

    select * from {{ source('raw', 'mhs509_home_leave') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqHospProvSpellID as uniq_hosp_prov_spell_id,
        StartDateHomeLeave as start_date_home_leave,
        EndDateHomeLeave as end_date_home_leave,
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
            partition by provider_code, uniq_hosp_prov_spell_id, start_date_home_leave
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_hosp_prov_spell_id,
    start_date_home_leave,
    end_date_home_leave,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
