-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Community teams and their locality.
with source as (

    select * from {{ source('raw', 'teams') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        UniqCareProfTeamLocalID as uniq_care_prof_team_local_id,
        TeamName as team_name,
        Locality as locality,
        ServTeamTypeMH as serv_team_type_mh,
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
            partition by org_id_prov, uniq_care_prof_team_local_id
            order by source_file_id desc, source_record_no desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    uniq_care_prof_team_local_id,
    team_name,
    locality,
    serv_team_type_mh,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
