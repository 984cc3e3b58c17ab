-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Staff in post (whole-time equivalents) by cost centre for the month.
with source as (

    select * from {{ source('raw', 'staff_in_post') }}

),

renamed as (

    select
        CostCentre as cost_centre,
        StaffGroup as staff_group,
        ContractType as contract_type,
        WTE as wte,
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
            partition by provider_code, reporting_period_start, cost_centre, staff_group, contract_type
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    cost_centre,
    staff_group,
    contract_type,
    wte,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
