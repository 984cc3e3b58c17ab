-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Periods of leave of absence (Mental Health Act section 17) during a spell.
with source as (

    select * from {{ source('raw', 'mhs510_leave_of_absence') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqHospProvSpellID as uniq_hosp_prov_spell_id,
        StartDateMHLeaveAbs as start_date_mh_leave_abs,
        EndDateMHLeaveAbs as end_date_mh_leave_abs,
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
            partition by provider_code, uniq_hosp_prov_spell_id, start_date_mh_leave_abs
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_hosp_prov_spell_id,
    start_date_mh_leave_abs,
    end_date_mh_leave_abs,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
