-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- NHS England's published monthly MHSDS data file: every provider in England, one row per reporting period, status, breakdown, level and measure, as published (below England rounded to the nearest 5, '*' when suppressed, zero rows left out). Never blocks the trust's own publication: its refusals and quarantined rows are warnings.
-- One row per record of every file loaded (raw keeps each file of a month folder).
with source as (

    select * from {{ source('raw', 'national_publication') }}

)

select
        REPORTING_PERIOD_START as measure_period_start,
        REPORTING_PERIOD_END as measure_period_end,
        STATUS as status,
        BREAKDOWN as breakdown,
        PRIMARY_LEVEL as primary_level,
        PRIMARY_LEVEL_DESCRIPTION as primary_level_description,
        SECONDARY_LEVEL as secondary_level,
        SECONDARY_LEVEL_DESCRIPTION as secondary_level_description,
        MEASURE_ID as measure_id,
        MEASURE_NAME as measure_name,
        MEASURE_VALUE as measure_value,
        _provider as provider_code,
        _period_start as reporting_period_start,
        _submission_created as submission_created,
        _file_id as source_file_id,
        _record_no as source_record_no
from source
