-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- The trust's own log of out-of-area placements with other providers, one row per placement active in the month.
with source as (

    select * from {{ source('raw', 'oap_log') }}

),

renamed as (

    select
        PlacementID as placement_id,
        person_key as person_key,
        nhs_number_key as nhs_number_key,
        StartDate as start_date,
        EndDate as end_date,
        OrgIDReceiving as org_id_receiving,
        ReasonOAT as reason_oat,
        MHAdmittedPatientClass as mh_admitted_patient_class,
        DailyCostGBP as daily_cost_gbp,
        nhs_number_valid as nhs_number_valid,
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
            partition by provider_code, placement_id
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    placement_id,
    person_key,
    nhs_number_key,
    start_date,
    end_date,
    org_id_receiving,
    reason_oat,
    mh_admitted_patient_class,
    daily_cost_gbp,
    nhs_number_valid,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
