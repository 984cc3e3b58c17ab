-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Referrals to secondary mental health services.
with source as (

    select * from {{ source('raw', 'mhs101_referral') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqServReqID as uniq_serv_req_id,
        person_key as person_key,
        OrgIDReferringOrg as org_id_referring_org,
        ReferralRequestReceivedDate as referral_request_received_date,
        SourceOfReferralMH as source_of_referral_mh,
        PrimReasonReferralMH as prim_reason_referral_mh,
        ClinRespPriorityType as clin_resp_priority_type,
        UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
        ServDischDate as serv_disch_date,
        ReasonOAT as reason_oat,
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
            partition by provider_code, uniq_serv_req_id
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_serv_req_id,
    person_key,
    org_id_referring_org,
    referral_request_received_date,
    source_of_referral_mh,
    prim_reason_referral_mh,
    clin_resp_priority_type,
    uniq_care_prof_team_local_id,
    serv_disch_date,
    reason_oat,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
