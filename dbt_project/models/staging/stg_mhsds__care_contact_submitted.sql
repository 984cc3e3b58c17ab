-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Care contacts (booked appointments and their outcome).
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs201_care_contact') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.UniqCareContID as uniq_care_cont_id,
    source.UniqServReqID as uniq_serv_req_id,
    source.person_key as person_key,
    source.UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
    source.CareContDate as care_cont_date,
    source.CareContTime as care_cont_time,
    source.ClinContDurOfCareCont as clin_cont_dur_of_care_cont,
    source.ConsMechanismMH as cons_mechanism_mh,
    source.AttendStatus as attend_status,
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
