-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Hospital provider spells (admission to discharge).
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs501_hosp_prov_spell') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.UniqHospProvSpellID as uniq_hosp_prov_spell_id,
    source.UniqServReqID as uniq_serv_req_id,
    source.person_key as person_key,
    source.DecidedToAdmitDate as decided_to_admit_date,
    source.StartDateHospProvSpell as start_date_hosp_prov_spell,
    source.SourceAdmMHHospProvSpell as source_adm_mh_hosp_prov_spell,
    source.MethAdmMHHospProvSpell as meth_adm_mh_hosp_prov_spell,
    source.EstimatedDischDateHospProvSpell as estimated_disch_date_hosp_prov_spell,
    source.PlannedDischDateHospProvSpell as planned_disch_date_hosp_prov_spell,
    source.DischDateHospProvSpell as disch_date_hosp_prov_spell,
    source.MethOfDischMHHospProvSpell as meth_of_disch_mh_hosp_prov_spell,
    source.DestOfDischHospProvSpell as dest_of_disch_hosp_prov_spell,
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
