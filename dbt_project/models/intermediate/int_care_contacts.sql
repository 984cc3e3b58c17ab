-- Care contacts with team, locality and attendance flags.
-- Booked = AttendStatus 2, 3, 5, 6, 7; attended = 5, 6; DNA = 2, 3 (the lists of seed
-- attend_status_groups).
with referrals as (

    select provider_code, uniq_serv_req_id, uniq_care_prof_team_local_id
    from {{ ref('stg_mhsds__referral') }}

)

select
    contacts.provider_code,
    contacts.uniq_care_cont_id,
    contacts.uniq_serv_req_id,
    contacts.person_key,
    coalesce(contacts.uniq_care_prof_team_local_id, referrals.uniq_care_prof_team_local_id)
        as team_code,
    coalesce(teams.team_name, contacts.uniq_care_prof_team_local_id) as team_name,
    coalesce(teams.locality, 'Unknown') as locality,
    teams.team_type,
    contacts.care_cont_date,
    {{ month_start('contacts.care_cont_date') }} as period_start,
    contacts.clin_cont_dur_of_care_cont as duration_minutes,
    contacts.cons_mechanism_mh,
    contacts.attend_status,
    attended.code is not null as is_attended,
    dna.code is not null as is_dna,
    booked.code is not null as is_booked
from {{ ref('stg_mhsds__care_contact') }} as contacts
{{ code_list_join('attend_status_groups', 'attended', 'contacts.attend_status') }}
{{ code_list_join('attend_status_groups', 'dna', 'contacts.attend_status') }}
{{ code_list_join('attend_status_groups', 'booked', 'contacts.attend_status') }}
left join referrals
    on {{ same_keys('referrals', 'contacts', ['provider_code', 'uniq_serv_req_id']) }}
left join {{ ref('int_teams') }} as teams
    on teams.provider_code = contacts.provider_code
    and teams.team_code
        = coalesce(contacts.uniq_care_prof_team_local_id, referrals.uniq_care_prof_team_local_id)
