-- Referrals open at the end of each month (received on or before the
-- month end, not discharged by then, and still being submitted that
-- month), with team and locality. Grain: referral x month.
with referrals as (

    select * from {{ ref('stg_mhsds__referral') }}

),

months as (

    select * from {{ ref('int_provider_months') }}

),

teams as (

    select * from {{ ref('int_teams') }}

)

select
    referrals.provider_code,
    referrals.uniq_serv_req_id,
    referrals.person_key,
    months.period_start,
    referrals.uniq_care_prof_team_local_id as team_code,
    coalesce(teams.team_name, referrals.uniq_care_prof_team_local_id) as team_name,
    coalesce(teams.locality, 'Unknown') as locality
from referrals
inner join months
    on months.provider_code = referrals.provider_code
    and referrals.referral_request_received_date <= months.period_end
    and (referrals.serv_disch_date is null or referrals.serv_disch_date > months.period_end)
    and referrals.reporting_period_start >= months.period_start
left join teams
    on teams.provider_code = referrals.provider_code
    and teams.team_code = referrals.uniq_care_prof_team_local_id
