-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Service team details.
with source as (

    select * from {{ source('raw', 'mhs902_service_team_details') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
        ServTeamTypeMH as serv_team_type_mh,
        ServTeamIntAgeGroup as serv_team_int_age_group,
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
            partition by provider_code, uniq_care_prof_team_local_id
            order by reporting_period_start desc, submission_created desc, source_file_id desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_care_prof_team_local_id,
    serv_team_type_mh,
    serv_team_int_age_group,
    provider_code,
    reporting_period_start,
    submission_created,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
