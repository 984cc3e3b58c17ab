-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Staff in post (whole-time equivalents) by cost centre for the month.
-- One row per record of each month (raw keeps one file per provider and month).
with source as (

    select * from {{ source('raw', 'staff_in_post') }}

)

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
