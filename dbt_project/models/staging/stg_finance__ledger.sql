-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Cost-centre ledger for the month, mapped to wards and teams.
-- One row per record of each month (raw keeps one file per provider and month).
with source as (

    select * from {{ source('raw', 'ledger') }}

)

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
