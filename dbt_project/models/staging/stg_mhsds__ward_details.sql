-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward details (MHSDS v6), one row per ward and reporting month, with the ward's available and temporarily closed bed days in the month. Optional: without it, occupancy uses the commissioned beds of reference/wards.csv.
-- One row per record of each month (raw keeps one file per provider and month).
with source as (

    select * from {{ source('raw', 'mhs903_ward_details') }}

)

select
        OrgIDProv as org_id_prov,
        WardCode as ward_code,
        SiteIDOfWard as site_id_of_ward,
        AvailBedDays as avail_bed_days,
        ClosedBedDays as closed_bed_days,
        _provider as provider_code,
        _period_start as reporting_period_start,
        _submission_created as submission_created,
        _file_id as source_file_id,
        _record_no as source_record_no
from source
