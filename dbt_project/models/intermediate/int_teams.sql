-- Community teams with locality and team type (reference/teams.csv, with
-- MHS902 team type where the reference file has none).
select
    teams.org_id_prov as provider_code,
    teams.uniq_care_prof_team_local_id as team_code,
    teams.team_name,
    teams.locality,
    coalesce(teams.serv_team_type_mh, mhs902.serv_team_type_mh) as team_type
from {{ ref('stg_reference__teams') }} as teams
left join {{ ref('stg_mhsds__service_team_details') }} as mhs902
    on mhs902.provider_code = teams.org_id_prov
    and mhs902.uniq_care_prof_team_local_id = teams.uniq_care_prof_team_local_id
