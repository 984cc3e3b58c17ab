-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Cost-centre ledger for the month, mapped to wards and teams.
with source as (

    select * from {{ source('raw', 'ledger') }}

),

renamed as (

    select
        CostCentre as cost_centre,
        WardCode as ward_code,
        UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
        Subjective as subjective,
        AmountGBP as amount_gbp,
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
            partition by provider_code, reporting_period_start, cost_centre, subjective
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    cost_centre,
    ward_code,
    uniq_care_prof_team_local_id,
    subjective,
    amount_gbp,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
