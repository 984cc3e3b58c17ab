-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Submission header, one row per provider and reporting month.
with source as (

    select * from {{ source('raw', 'mhs000_header') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        ReportingPeriodStartDate as reporting_period_start_date,
        ReportingPeriodEndDate as reporting_period_end_date,
        DateTimeDatSetCreate as date_time_dat_set_create,
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
            partition by provider_code, reporting_period_start
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    reporting_period_start_date,
    reporting_period_end_date,
    date_time_dat_set_create,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
