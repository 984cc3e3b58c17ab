-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Service team details.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs902_service_team_details') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
    source.ServTeamTypeMH as serv_team_type_mh,
    source.ServTeamIntAgeGroup as serv_team_int_age_group,
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
