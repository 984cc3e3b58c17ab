-- National MHS30 (attended contacts in RP): one row per care contact of a submission month
-- that NHS England's MHS29_prep keeps (menh_analysis/notebooks/01_Prepare/
-- 1.Main_monthly_prep.py lines 1336-1374), from that month's own submission only:
-- - CareContDate between the RP start and end (a late-recorded contact dated in an earlier
--   month is not counted again);
-- - the person has an MPI record in the same month (INNER JOIN global_temp.CCG, built from
--   MHS001MPI of the month with PatMRecInRP: 0.Generic_prep.py lines 215-251). NHS England
--   matches Person_ID across all providers; our person_key is the provider's own
--   LocalPatientId pseudonym, so the match is with the same provider's MPI of the month.
-- MHS30 = COUNT(DISTINCT UniqCareContID) WHERE AttendStatus IN ('5', '6')
-- (3.Provider/Outpatient-Other measures.py lines 1264-1283); no consultation mechanism
-- condition.
-- Locality (local breakdown only): the locality (int_teams) of the contact's team, else of
-- the team of its referral in the same submission; contacts have no ward.
with contacts as (

    select
        {{ submission_columns() }},
        uniq_care_cont_id,
        uniq_serv_req_id,
        person_key,
        uniq_care_prof_team_local_id,
        care_cont_date,
        attend_status,
        cons_mechanism_mh
    from {{ ref('stg_mhsds__care_contact_submitted') }}

),

mpi as (

    {{ submission_mpi_people() }}

),

referrals as (

    select
        provider_code,
        reporting_period_start as submission_month,
        uniq_serv_req_id,
        uniq_care_prof_team_local_id
    from {{ ref('stg_mhsds__referral_submitted') }}

),

in_scope as (

    select
        contacts.*,
        coalesce(contacts.uniq_care_prof_team_local_id, referrals.uniq_care_prof_team_local_id)
            as team_code
    from contacts
    inner join mpi
        on {{ same_keys('mpi', 'contacts', ['provider_code', 'submission_month', 'person_key']) }}
    left join referrals
        on {{ same_keys('referrals', 'contacts', ['provider_code', 'submission_month', 'uniq_serv_req_id']) }}
    where contacts.care_cont_date >= contacts.submission_month
      and contacts.care_cont_date < contacts.next_period_start

)

select
    in_scope.provider_code,
    in_scope.submission_month,
    in_scope.uniq_care_cont_id,
    in_scope.uniq_serv_req_id,
    in_scope.person_key,
    in_scope.team_code,
    teams.locality,
    {{ null_strings(['ward_code', 'ward_name', 'sending_provider']) }},
    in_scope.care_cont_date,
    in_scope.attend_status,
    in_scope.cons_mechanism_mh,
    attended.code is not null as is_attended
from in_scope
{{ code_list_join('attend_status_groups', 'nhse_attended',
                  'in_scope.attend_status', alias='attended') }}
left join {{ ref('int_teams') }} as teams
    on {{ same_keys('teams', 'in_scope', ['provider_code', 'team_code']) }}
