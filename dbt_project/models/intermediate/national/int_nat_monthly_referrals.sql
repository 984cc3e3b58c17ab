-- National MHS01 (people in contact with services at the end of the RP) and MHS32
-- (referrals starting in RP): one row per referral per submission month, from that month's
-- own submission only.
-- - is_open_at_period_end: ServDischDate null or after the RP end
--   (menh_analysis/notebooks/01_Prepare/0.Generic_prep.py MHS101Referral_open_end_rp lines
--   673-728, line 726). MHS01 counts the distinct people of these referrals per provider
--   (3.Provider/Outpatient-Other measures.py lines 2-19); no team type, service area, MPI
--   or received-date condition.
-- - is_received_in_period: ReferralRequestReceivedDate between the RP start and end
--   (3.Provider/Outpatient-Other measures.py lines 1476-1494: MHS101Referral WHERE UniqMonthID
--   = month; COUNT(DISTINCT UniqServReqID)); no other condition.
-- Locality (local breakdown only): the locality of the team the referral was accepted by
-- (int_teams); referrals have no ward.
with referrals as (

    select
        {{ submission_columns() }},
        uniq_serv_req_id,
        person_key,
        uniq_care_prof_team_local_id as team_code,
        referral_request_received_date,
        serv_disch_date
    from {{ ref('stg_mhsds__referral_submitted') }}

)

select
    referrals.provider_code,
    referrals.submission_month,
    referrals.uniq_serv_req_id,
    referrals.person_key,
    referrals.team_code,
    teams.locality,
    {{ null_strings(['ward_code', 'ward_name', 'sending_provider']) }},
    referrals.referral_request_received_date,
    referrals.serv_disch_date,
    (referrals.serv_disch_date is null
        or referrals.serv_disch_date >= referrals.next_period_start) as is_open_at_period_end,
    (referrals.referral_request_received_date >= referrals.submission_month
        and referrals.referral_request_received_date < referrals.next_period_start)
        as is_received_in_period
from referrals
left join {{ ref('int_teams') }} as teams
    on {{ same_keys('teams', 'referrals', ['provider_code', 'team_code']) }}
