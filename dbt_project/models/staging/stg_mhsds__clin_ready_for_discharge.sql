-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Clinically ready for discharge (delayed discharge) periods.
with source as (

    select * from {{ source('raw', 'mhs518_clin_ready_for_discharge') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        MHS518UniqID as mhs518_uniq_id,
        UniqHospProvSpellID as uniq_hosp_prov_spell_id,
        StartDateClinReadyforDisch as start_date_clin_readyfor_disch,
        EndDateClinReadyforDisch as end_date_clin_readyfor_disch,
        ClinReadyforDischDelayReason as clin_readyfor_disch_delay_reason,
        AttribToIndic as attrib_to_indic,
        OrgIDRespLAClinReadyforDisch as org_id_resp_la_clin_readyfor_disch,
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
            partition by provider_code, mhs518_uniq_id
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    mhs518_uniq_id,
    uniq_hosp_prov_spell_id,
    start_date_clin_readyfor_disch,
    end_date_clin_readyfor_disch,
    clin_readyfor_disch_delay_reason,
    attrib_to_indic,
    org_id_resp_la_clin_readyfor_disch,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
