-- National MHS27 (admissions to hospital in the RP), MHS28 (discharges from hospital in the
-- RP) and MHS07 (people with an open hospital spell at the end of the RP): one row per
-- hospital spell event per submission month, from that month's own submission only.
-- event:
-- - 'admission': StartDateHospProvSpell within the RP (3.Provider/Inpatient measures.py
--   lines 594-614: MHS501HospProvSpell WHERE UniqMonthID = month AND start between RP start
--   and RP end; COUNT(UniqHospProvSpellID), no MPI or referral condition);
-- - 'discharge': DischDateHospProvSpell within the RP (same file, lines 688-707);
-- - 'open_at_end': the spell is open at the RP end (DischDateHospProvSpell null or after
--   the RP end: 0.Generic_prep.py MHS501HospProvSpell_open_end_rp lines 767-779). MHS07
--   (Main_monthly_prep.py MHS07_Prov_prep lines 819-837) counts the distinct people of such
--   spells whose referral (UniqServReqID, same provider) is in the same submission and open
--   at the RP end (ServDischDate null or after the RP end: 0.Generic_prep.py
--   MHS101Referral_open_end_rp lines 673-726) and who have an MPI record in the same
--   submission: referral_open_at_period_end and person_in_mpi. As NHS England, the person
--   counted is the referral's (MPI joined on REF.Person_ID).
-- Ward and locality (local breakdowns only): admission = the ward stay of the spell in the
-- same submission that starts on the admission date (as NHS England's MHS27a bed type join,
-- line 655), else the spell's earliest stay there; discharge = the stay ending on the
-- discharge date, else the spell's latest stay; open_at_end = the spell's stay open at the
-- RP end, else its latest stay. Null where the submission has no ward stay for the spell.
with spells as (

    select
        {{ submission_columns() }},
        uniq_hosp_prov_spell_id,
        uniq_serv_req_id,
        person_key,
        start_date_hosp_prov_spell,
        disch_date_hosp_prov_spell
    from {{ ref('stg_mhsds__hosp_prov_spell_submitted') }}

),

referrals as (

    select
        provider_code,
        reporting_period_start as submission_month,
        uniq_serv_req_id,
        person_key,
        serv_disch_date
    from {{ ref('stg_mhsds__referral_submitted') }}

),

mpi as (

    {{ submission_mpi_people() }}

),

ward_stays as (

    select
        provider_code,
        reporting_period_start as submission_month,
        uniq_hosp_prov_spell_id,
        uniq_ward_stay_id,
        ward_code,
        start_date_ward_stay,
        end_date_ward_stay
    from {{ ref('stg_mhsds__ward_stay_submitted') }}

),

events as (

    select spells.*, 'admission' as event, start_date_hosp_prov_spell as event_date
    from spells
    where start_date_hosp_prov_spell >= submission_month
      and start_date_hosp_prov_spell < next_period_start
    union all
    select spells.*, 'discharge' as event, disch_date_hosp_prov_spell as event_date
    from spells
    where disch_date_hosp_prov_spell >= submission_month
      and disch_date_hosp_prov_spell < next_period_start
    union all
    select spells.*, 'open_at_end' as event,
        {{ add_days('next_period_start', -1) }} as event_date
    from spells
    where disch_date_hosp_prov_spell is null
       or disch_date_hosp_prov_spell >= next_period_start

),

event_ward as (

    select
        events.provider_code,
        events.submission_month,
        events.uniq_hosp_prov_spell_id,
        events.event,
        ward_stays.ward_code,
        ward_stays.start_date_ward_stay,
        row_number() over (
            partition by events.provider_code, events.submission_month,
                         events.uniq_hosp_prov_spell_id, events.event
            order by
                case
                    when events.event = 'admission'
                        and ward_stays.start_date_ward_stay = events.start_date_hosp_prov_spell
                        then 0
                    when events.event = 'discharge'
                        and ward_stays.end_date_ward_stay = events.disch_date_hosp_prov_spell
                        then 0
                    when events.event = 'open_at_end'
                        and (ward_stays.end_date_ward_stay is null
                             or ward_stays.end_date_ward_stay >= events.next_period_start)
                        then 0
                    else 1
                end,
                case when events.event = 'admission'
                    then ward_stays.start_date_ward_stay end asc,
                case when events.event = 'admission'
                    then ward_stays.uniq_ward_stay_id end asc,
                ward_stays.start_date_ward_stay desc,
                ward_stays.uniq_ward_stay_id desc
        ) as ward_rank
    from events
    inner join ward_stays
        on {{ same_keys('ward_stays', 'events', ['provider_code', 'submission_month', 'uniq_hosp_prov_spell_id']) }}

)

select
    events.provider_code,
    events.submission_month,
    events.uniq_hosp_prov_spell_id,
    events.event,
    events.event_date,
    case when events.event = 'open_at_end'
        then coalesce(referrals.person_key, events.person_key)
        else events.person_key
    end as person_key,
    events.uniq_serv_req_id,
    events.start_date_hosp_prov_spell,
    events.disch_date_hosp_prov_spell,
    event_ward.ward_code,
    wards.ward_name,
    wards.locality,
    cast(null as {{ dbt.type_string() }}) as sending_provider,
    coalesce(
        referrals.uniq_serv_req_id is not null
        and (referrals.serv_disch_date is null
             or referrals.serv_disch_date >= events.next_period_start),
        false
    ) as referral_open_at_period_end,
    mpi.person_key is not null as person_in_mpi
from events
left join referrals
    on {{ same_keys('referrals', 'events', ['provider_code', 'submission_month', 'uniq_serv_req_id']) }}
left join mpi
    on {{ same_keys('mpi', 'events', ['provider_code', 'submission_month']) }}
    and mpi.person_key = coalesce(referrals.person_key, events.person_key)
left join event_ward
    on {{ same_keys('event_ward', 'events', ['provider_code', 'submission_month', 'uniq_hosp_prov_spell_id', 'event']) }}
    and event_ward.ward_rank = 1
left join {{ ref('int_wards') }} as wards
    on wards.provider_code = events.provider_code
    and wards.ward_code = event_ward.ward_code
    -- in effect on the later of the stay's start and the month's start
    and {{ in_effect_on('wards', 'case when event_ward.start_date_ward_stay < events.submission_month then events.submission_month else event_ward.start_date_ward_stay end') }}
