-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Onward referrals, including out-of-area referrals made by the provider.
with source as (

    select * from {{ source('raw', 'mhs105_onward_referral') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqServReqID as uniq_serv_req_id,
        OnwardReferDate as onward_refer_date,
        OATReason as oat_reason,
        OrgIDReceiving as org_id_receiving,
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
            partition by provider_code, uniq_serv_req_id, onward_refer_date
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_serv_req_id,
    onward_refer_date,
    oat_reason,
    org_id_receiving,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
