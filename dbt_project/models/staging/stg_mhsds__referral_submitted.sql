-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Referrals to secondary mental health services.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs101_referral') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.UniqServReqID as uniq_serv_req_id,
    source.person_key as person_key,
    source.OrgIDReferringOrg as org_id_referring_org,
    source.ReferralRequestReceivedDate as referral_request_received_date,
    source.SourceOfReferralMH as source_of_referral_mh,
    source.PrimReasonReferralMH as prim_reason_referral_mh,
    source.ClinRespPriorityType as clin_resp_priority_type,
    source.UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
    source.ServDischDate as serv_disch_date,
    source.ReasonOAT as reason_oat,
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
