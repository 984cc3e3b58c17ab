-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Onward referrals, including out-of-area referrals made by the provider.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs105_onward_referral') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.UniqServReqID as uniq_serv_req_id,
    source.OnwardReferDate as onward_refer_date,
    source.OATReason as oat_reason,
    source.OrgIDReceiving as org_id_receiving,
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
