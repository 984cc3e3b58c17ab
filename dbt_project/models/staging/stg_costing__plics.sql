-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Patient-level costs (optional; only some providers have mature PLICS).
-- One row per record of each month (raw keeps one file per provider and month).
with source as (

    select * from {{ source('raw', 'plics') }}

)

select
        ActivityType as activity_type,
        ActivityID as activity_id,
        person_key as person_key,
        CostPool as cost_pool,
        CostGBP as cost_gbp,
        _provider as provider_code,
        _period_start as reporting_period_start,
        _submission_created as submission_created,
        _file_id as source_file_id,
        _record_no as source_record_no
from source
