-- The locality of each person within a provider: the team locality of
-- their most recent referral. Used to place out-of-area placements, which
-- have no ward of the sending provider, in a locality.
with referrals as (

    select
        refs.provider_code,
        refs.person_key,
        teams.locality,
        row_number() over (
            partition by refs.provider_code, refs.person_key
            order by refs.referral_request_received_date desc, refs.uniq_serv_req_id desc
        ) as rn
    from {{ ref('stg_mhsds__referral') }} as refs
    inner join {{ ref('int_teams') }} as teams
        on teams.provider_code = refs.provider_code
        and teams.team_code = refs.uniq_care_prof_team_local_id

)

select provider_code, person_key, locality
from referrals
where rn = 1
