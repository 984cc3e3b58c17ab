-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Clinically ready for discharge (delayed discharge) periods.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs518_clin_ready_for_discharge') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.MHS518UniqID as mhs518_uniq_id,
    source.UniqHospProvSpellID as uniq_hosp_prov_spell_id,
    source.StartDateClinReadyforDisch as start_date_clin_readyfor_disch,
    source.EndDateClinReadyforDisch as end_date_clin_readyfor_disch,
    source.ClinReadyforDischDelayReason as clin_readyfor_disch_delay_reason,
    source.AttribToIndic as attrib_to_indic,
    source.OrgIDRespLAClinReadyforDisch as org_id_resp_la_clin_readyfor_disch,
    source._provider as provider_code,
    source._period_start as reporting_period_start,
    source._submission_created as submission_created,
    source._file_id as source_file_id,
    source._record_no as source_record_no
from source
inner join current_submission
    on current_submission._provider = source._provider
    and current_submission._period_start = source._period_start
    and current_submission.submission_created = source._submission_created
