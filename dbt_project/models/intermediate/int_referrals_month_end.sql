-- Referrals open at the end of each month (received on or before the
-- month end, not discharged by then, and still being submitted that
-- month), with team and locality. Grain: referral x month.
select
    referrals.provider_code,
    referrals.uniq_serv_req_id,
    referrals.person_key,
    months.period_start,
    {{ team_unit_columns('referrals.uniq_care_prof_team_local_id') }}
from {{ ref('stg_mhsds__referral') }} as referrals
inner join {{ ref('int_provider_months') }} as months
    on months.provider_code = referrals.provider_code
    and referrals.referral_request_received_date <= months.period_end
    and (referrals.serv_disch_date is null or referrals.serv_disch_date > months.period_end)
    and referrals.reporting_period_start >= months.period_start
left join {{ ref('int_teams') }} as teams
    on teams.provider_code = referrals.provider_code
    and teams.team_code = referrals.uniq_care_prof_team_local_id
