-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Care contacts (booked appointments and their outcome).
with source as (

    select * from {{ source('raw', 'mhs201_care_contact') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqCareContID as uniq_care_cont_id,
        UniqServReqID as uniq_serv_req_id,
        person_key as person_key,
        UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
        CareContDate as care_cont_date,
        CareContTime as care_cont_time,
        ClinContDurOfCareCont as clin_cont_dur_of_care_cont,
        ConsMechanismMH as cons_mechanism_mh,
        AttendStatus as attend_status,
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
            partition by provider_code, uniq_care_cont_id
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_care_cont_id,
    uniq_serv_req_id,
    person_key,
    uniq_care_prof_team_local_id,
    care_cont_date,
    care_cont_time,
    clin_cont_dur_of_care_cont,
    cons_mechanism_mh,
    attend_status,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
