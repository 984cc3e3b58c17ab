-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward details (MHSDS v6), one row per ward and reporting month, with the ward's available and temporarily closed bed days in the month. Optional: without it, occupancy uses the commissioned beds of reference/wards.csv.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs903_ward_details') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.WardCode as ward_code,
    source.SiteIDOfWard as site_id_of_ward,
    source.AvailBedDays as avail_bed_days,
    source.ClosedBedDays as closed_bed_days,
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
