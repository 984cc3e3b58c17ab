-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Hospital provider spells (admission to discharge).
with source as (

    select * from {{ source('raw', 'mhs501_hosp_prov_spell') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqHospProvSpellID as uniq_hosp_prov_spell_id,
        UniqServReqID as uniq_serv_req_id,
        person_key as person_key,
        DecidedToAdmitDate as decided_to_admit_date,
        StartDateHospProvSpell as start_date_hosp_prov_spell,
        SourceAdmMHHospProvSpell as source_adm_mh_hosp_prov_spell,
        MethAdmMHHospProvSpell as meth_adm_mh_hosp_prov_spell,
        EstimatedDischDateHospProvSpell as estimated_disch_date_hosp_prov_spell,
        PlannedDischDateHospProvSpell as planned_disch_date_hosp_prov_spell,
        DischDateHospProvSpell as disch_date_hosp_prov_spell,
        MethOfDischMHHospProvSpell as meth_of_disch_mh_hosp_prov_spell,
        DestOfDischHospProvSpell as dest_of_disch_hosp_prov_spell,
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
            partition by provider_code, uniq_hosp_prov_spell_id
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_hosp_prov_spell_id,
    uniq_serv_req_id,
    person_key,
    decided_to_admit_date,
    start_date_hosp_prov_spell,
    source_adm_mh_hosp_prov_spell,
    meth_adm_mh_hosp_prov_spell,
    estimated_disch_date_hosp_prov_spell,
    planned_disch_date_hosp_prov_spell,
    disch_date_hosp_prov_spell,
    meth_of_disch_mh_hosp_prov_spell,
    dest_of_disch_hosp_prov_spell,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
