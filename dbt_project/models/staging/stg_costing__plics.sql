-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Patient-level costs (optional; only some providers have mature PLICS).
with source as (

    select * from {{ source('raw', 'plics') }}

),

renamed as (

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

),

versioned as (

    -- keep one current version of each record: the latest reporting month,
    -- then the latest submission of that month
    select
        renamed.*,
        row_number() over (
            partition by provider_code, reporting_period_start, activity_type, activity_id, cost_pool
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    activity_type,
    activity_id,
    person_key,
    cost_pool,
    cost_gbp,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
