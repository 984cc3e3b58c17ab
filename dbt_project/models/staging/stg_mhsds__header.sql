-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Submission header, one row per provider and reporting month.
-- One row per record of each month (raw keeps one file per provider and month).
with source as (

    select * from {{ source('raw', 'mhs000_header') }}

)

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
