-- National MHS78 (discharges from adult acute beds eligible for 72 hour follow up), MHS79
-- (of those, followed up within 72 hours) and MHS80 (MHS79 / MHS78 x 100), as NHS England
-- computes them in menh_publications/notebooks/02_72HOURS:
--   PV = 01_Prepare/PrepViews.py, AG = 02_Aggregate/72hours_Aggregate.py,
--   VC = 00_common_objects/00_version_change_tables.py (the validcodes lists).
-- One row per discharge (a spell discharged in the month's window) and provider of
-- responsibility per measure month M (submission_month). provider_code is the provider of
-- responsibility (NHS England's breakdown "Provider of Responsibility").
--
-- Rules, each with the national lines it follows:
-- - Basis (PV 41-56, 62-71, 21, 36, 117): month M is computed from the spell and ward stay
--   records of the M-1 and M submissions (the latest record of each spell: HospRN = 1,
--   ordered by month descending), contacts of the submissions up to M, headers of M-1..M.
--   Each is a month's own submission, never a later month's correction. Discharges in the
--   last days of M-1 are only in M-1's submission, so M alone would lose them.
-- - Residence (PV 55): a spell record counts only when its person has an MPI record in the
--   same submission (inner join on RecordNumber) with LADistrictAuth 'E%', null or blank.
--   LADistrictAuth is not in our contract: every person is treated as NHS England treats a
--   blank LADistrictAuth (kept); OrgIDSubICBLocResidence is not used (NHS England does not
--   use it for this filter, only for its Sub-ICB breakdown, which we do not produce).
-- - Window (PV 204-205, 210; AG 33): DischDateHospProvSpell between RP start - 4 days and
--   RP end - 4 days, both inclusive.
-- - Eligible (PV 208-212; VC 272-284): MethOfDischMHHospProvSpell not 4 or 5 (null kept),
--   DestOfDischHospProvSpell not in 30, 37, 40, 42, 48, 49, 50, 53, 79, 84, 87, 89 (null
--   kept; the current lists; 38 ended in 2021).
-- - Adult acute (PV 62-71, 214-215): MHAdmittedPatientClass 200, 201, 202, 205, 212, 213 of
--   the spell's latest ward stay (BedRN = 1: latest submission month, then latest end date;
--   the v6 list, which NHS England applies from April 2024: our contract carries v6 codes
--   in every month). A spell with no ward stay is not acute (MissingBed).
-- - Onward referral (PV 102-120, 198, 233-236, 275-278): an MHS105 onward referral of the
--   spell's referral dated between the spell's start and discharge moves responsibility
--   to the receiving provider (OrgIDReceiving, first 3 characters) when that provider has
--   an MHSDS header in M-1..M and differs from the sender; codes starting '8' never move it
--   (PV 120 compares OrgIDProv with itself for them). Only an eligible adult acute
--   discharge moves (PV 275-278). Locality and ward are null for a moved discharge.
--   Two onward referrals to different providers give one row per provider (PV 195 DISTINCT).
-- - Death (PV 228-229, 261-265; AG 28-29): excluded when PersDeathDate - discharge date
--   <= 3 days in an MPI record of the provider of responsibility, submission month of the
--   spell record or the next (capped at M: no later month is read).
-- - Follow-up (PV 3-23, 76-96, 272-323; VC 195-207): first event dated strictly after the
--   discharge date at the provider of responsibility, within 3 days (1, 2 or 3 days
--   later). Events: care contacts with AttendStatus 5 or 6 and ConsMechanismMH in the
--   include list 01, 02, 04, 11 (none of the exclude list 05, 09, 10, 12, 13, 98 is in
--   it; indirect activity has no mechanism and never passes), and the start of any
--   hospital spell (latest record, same residence filter). As PV 302-323 the first event
--   is taken over all the spell's providers of responsibility.
-- - Person across providers: NHS England joins on the national Person_ID; our person_key
--   is the provider's LocalPatientId pseudonym, so another provider's records of the
--   person are found through the NHS number pseudonym (MPI nhs_number_key) and the own
--   provider's through person_key or the NHS number pseudonym.
{#- a discharge of a reporting month: the key every step below joins on -#}
{%- set discharge_keys = ['measure_month', 'provider_code', 'person_key', 'uniq_serv_req_id',
                        'uniq_hosp_prov_spell_id'] %}
with months as (

    -- the months the measure is computed for: every month with a submission
    select distinct
        reporting_period_start as measure_month,
        cast({{ dbt.dateadd('month', -1, 'reporting_period_start') }} as date) as previous_month,
        {{ next_month_start('reporting_period_start') }} as next_month
    from {{ ref('stg_mhsds__header') }}

),

submitters as (

    -- providers with an MHSDS header in M-1..M (PV 113-118)
    select distinct months.measure_month, headers.provider_code
    from months
    inner join {{ ref('stg_mhsds__header') }} as headers
        on headers.reporting_period_start >= months.previous_month
        and headers.reporting_period_start <= months.measure_month

),

mpi as (

    select
        provider_code,
        reporting_period_start,
        person_key,
        nhs_number_key,
        pers_death_date
    from {{ ref('stg_mhsds__mpi_submitted') }}

),

spell_records as (

    -- PV 41-56: spell records of the M-1 and M submissions whose person is in the same
    -- submission's MPI (the residence filter's inner join), latest record first
    select
        months.measure_month,
        months.previous_month,
        months.next_month,
        spells.provider_code,
        spells.org_id_prov,
        spells.reporting_period_start as record_month,
        spells.person_key,
        mpi.nhs_number_key,
        spells.uniq_serv_req_id,
        spells.uniq_hosp_prov_spell_id,
        spells.start_date_hosp_prov_spell,
        spells.disch_date_hosp_prov_spell,
        spells.meth_of_disch_mh_hosp_prov_spell,
        spells.dest_of_disch_hosp_prov_spell,
        row_number() over (
            partition by
                months.measure_month, spells.provider_code, spells.person_key,
                spells.uniq_serv_req_id, spells.uniq_hosp_prov_spell_id
            order by spells.reporting_period_start desc
        ) as hosp_rn
    from {{ ref('stg_mhsds__hosp_prov_spell_submitted') }} as spells
    inner join months
        on spells.reporting_period_start >= months.previous_month
        and spells.reporting_period_start <= months.measure_month
    inner join mpi
        on {{ same_keys('mpi', 'spells', ['provider_code', 'reporting_period_start', 'person_key']) }}

),

hosp as (

    select * from spell_records where hosp_rn = 1

),

ward_stays as (

    -- PV 62-71: the spell's latest ward stay over the M-1 and M submissions (BedRN = 1).
    -- NHS England orders by UniqMonthID, InactTimeWS, EndDateWardStay, MHS502UniqID, all
    -- descending (Spark: nulls last); InactTimeWS and MHS502UniqID are not in our
    -- contract, so start date and ward stay id break ties.
    select
        months.measure_month,
        stays.provider_code,
        stays.person_key,
        stays.uniq_hosp_prov_spell_id,
        stays.uniq_ward_stay_id,
        stays.ward_code,
        stays.mh_admitted_patient_class,
        row_number() over (
            partition by
                months.measure_month, stays.provider_code, stays.person_key,
                stays.uniq_hosp_prov_spell_id
            order by
                stays.reporting_period_start desc,
                stays.end_date_ward_stay desc nulls last,
                stays.start_date_ward_stay desc nulls last,
                stays.uniq_ward_stay_id desc
        ) as bed_rn
    from {{ ref('stg_mhsds__ward_stay_submitted') }} as stays
    inner join months
        on stays.reporting_period_start >= months.previous_month
        and stays.reporting_period_start <= months.measure_month

),

discharges as (

    -- PV 194-266, AG 33: spells discharged from RP start - 4 days to RP end - 4 days
    select
        hosp.*,
        bed.uniq_ward_stay_id,
        bed.ward_code as bed_ward_code,
        bed.mh_admitted_patient_class as bed_type,
        case
            when excluded_method.code is not null then false
            when excluded_destination.code is not null then false
            else true
        end as eligible_discharge,
        acute_bed.code is not null as acute_bed
    from hosp
    left join ward_stays as bed
        on {{ same_keys('bed', 'hosp', ['measure_month', 'provider_code', 'person_key', 'uniq_hosp_prov_spell_id']) }}
        and bed.bed_rn = 1
    {{ code_list_join('discharge_method_groups', 'nhse_followup_excluded',
                      'hosp.meth_of_disch_mh_hosp_prov_spell', alias='excluded_method') }}
    {{ code_list_join('discharge_destination_groups', 'nhse_followup_excluded',
                      'hosp.dest_of_disch_hosp_prov_spell', alias='excluded_destination') }}
    {{ code_list_join('bed_type_groups', 'nhse_followup_acute_bed',
                      'bed.mh_admitted_patient_class', alias='acute_bed') }}
    where hosp.disch_date_hosp_prov_spell >= {{ add_days('hosp.measure_month', -4) }}
      and hosp.disch_date_hosp_prov_spell <= {{ add_days('hosp.next_month', -5) }}

),

onward as (

    -- PV 102-120: onward referrals to another provider, receiving code as national
    -- (first 3 characters; codes starting '8' are dropped by PV 120's comparison)
    select distinct
        provider_code,
        reporting_period_start,
        uniq_serv_req_id,
        onward_refer_date,
        substring(org_id_receiving, 1, 3) as receiving_provider
    from {{ ref('stg_mhsds__onward_referral_submitted') }}
    where org_id_receiving is not null
      and substring(org_id_receiving, 1, 1) <> '8'
      and substring(org_id_receiving, 1, 3) <> org_id_prov

),

responsibility_raw as (

    -- PV 198, 233-236: COALESCE(receiving provider that submits MHSDS, own provider);
    -- onward referrals of submissions up to M only
    select distinct
        d.measure_month,
        d.provider_code,
        d.person_key,
        d.uniq_serv_req_id,
        d.uniq_hosp_prov_spell_id,
        coalesce(submitters.provider_code, d.provider_code) as responsible_provider
    from discharges as d
    left join onward
        on {{ same_keys('onward', 'd', ['provider_code', 'uniq_serv_req_id']) }}
        and onward.reporting_period_start <= d.measure_month
        and onward.onward_refer_date >= d.start_date_hosp_prov_spell
        and onward.onward_refer_date <= d.disch_date_hosp_prov_spell
    left join submitters
        on submitters.measure_month = d.measure_month
        and submitters.provider_code = onward.receiving_provider

),

responsibility as (

    -- PV 275-278: only an eligible adult acute discharge moves to the receiving provider.
    -- (PV 263 looks the death date up at the unmoved provider of responsibility; it
    -- differs from this one only for a discharge that is not counted anyway.)
    select distinct
        r.measure_month,
        r.provider_code,
        r.person_key,
        r.uniq_serv_req_id,
        r.uniq_hosp_prov_spell_id,
        case
            when d.eligible_discharge and d.acute_bed then r.responsible_provider
            else r.provider_code
        end as responsible_provider
    from responsibility_raw as r
    inner join discharges as d
        on {{ same_keys('d', 'r', discharge_keys) }}

),

person_links as (

    -- the person's records at each provider of responsibility (raw, as PV 316-318):
    -- the own record, and any record with the same NHS number pseudonym in M-1..M
    select
        r.measure_month, r.provider_code, r.person_key, r.uniq_serv_req_id,
        r.uniq_hosp_prov_spell_id, r.responsible_provider,
        r.person_key as linked_person_key
    from responsibility_raw as r
    where r.responsible_provider = r.provider_code
    union
    select
        r.measure_month, r.provider_code, r.person_key, r.uniq_serv_req_id,
        r.uniq_hosp_prov_spell_id, r.responsible_provider,
        linked.person_key as linked_person_key
    from responsibility_raw as r
    inner join discharges as d
        on {{ same_keys('d', 'r', discharge_keys) }}
    inner join mpi as linked
        on linked.provider_code = r.responsible_provider
        and linked.nhs_number_key = d.nhs_number_key
        and linked.reporting_period_start >= d.previous_month
        and linked.reporting_period_start <= d.measure_month

),

follow_up_contacts as (

    -- PV 3-23 and 76-88: attended contacts (5, 6) by an included mechanism
    -- (VC 195-199, current list: 01, 02, 04, 11)
    select
        contacts.provider_code,
        contacts.reporting_period_start,
        contacts.person_key,
        contacts.care_cont_date as event_date
    from {{ ref('stg_mhsds__care_contact_submitted') }} as contacts
    {{ code_list_join('attend_status_groups', 'nhse_attended',
                      'contacts.attend_status', alias='attended', kind='inner') }}
    {{ code_list_join('consultation_mechanism_groups', 'nhse_followup_included',
                      'contacts.cons_mechanism_mh', alias='mechanisms', kind='inner') }}

),

follow_up_events as (

    -- contacts at the provider of responsibility from submissions up to M
    select l.measure_month, l.provider_code, l.person_key, l.uniq_serv_req_id,
        l.uniq_hosp_prov_spell_id, c.event_date
    from person_links as l
    inner join follow_up_contacts as c
        on c.provider_code = l.responsible_provider
        and c.person_key = l.linked_person_key
        and c.reporting_period_start <= l.measure_month
    union all
    -- PV 92-96: the start of a hospital spell there (latest record of M-1..M, as Hosp)
    select l.measure_month, l.provider_code, l.person_key, l.uniq_serv_req_id,
        l.uniq_hosp_prov_spell_id, h.start_date_hosp_prov_spell as event_date
    from person_links as l
    inner join hosp as h
        on h.measure_month = l.measure_month
        and h.provider_code = l.responsible_provider
        and h.person_key = l.linked_person_key

),

first_follow_up as (

    -- PV 302-320: the first event after the discharge date (not the same day), over all
    -- the spell's providers of responsibility
    select
        d.measure_month, d.provider_code, d.person_key, d.uniq_serv_req_id,
        d.uniq_hosp_prov_spell_id,
        min(e.event_date) as first_follow_up_date
    from discharges as d
    inner join follow_up_events as e
        on {{ same_keys('e', 'd', discharge_keys) }}
        and e.event_date > d.disch_date_hosp_prov_spell
    group by
        d.measure_month, d.provider_code, d.person_key, d.uniq_serv_req_id,
        d.uniq_hosp_prov_spell_id

),

deaths as (

    -- PV 228-229, 261-265: death dates in the MPI of the provider of responsibility,
    -- submission of the spell record or the next one (not after M). Several records give
    -- one row each in NHS England's DISTINCT; the discharge counts once when any of them
    -- is not within 3 days, so it is excluded only when all of them are.
    select
        r.measure_month, r.provider_code, r.person_key, r.uniq_serv_req_id,
        r.uniq_hosp_prov_spell_id, r.responsible_provider,
        min(
            case
                when {{ days_between('d.disch_date_hosp_prov_spell', 'm.pers_death_date') }} <= 3
                    then 1 else 0
            end
        ) as died_flag
    from responsibility as r
    inner join discharges as d
        on {{ same_keys('d', 'r', discharge_keys) }}
    inner join person_links as l
        on {{ same_keys('l', 'r', discharge_keys + ['responsible_provider']) }}
    inner join mpi as m
        on m.provider_code = r.responsible_provider
        and m.person_key = l.linked_person_key
        and m.pers_death_date is not null
        and m.reporting_period_start >= d.record_month
        and m.reporting_period_start <= {{ next_month_start('d.record_month') }}
        and m.reporting_period_start <= r.measure_month
    group by
        r.measure_month, r.provider_code, r.person_key, r.uniq_serv_req_id,
        r.uniq_hosp_prov_spell_id, r.responsible_provider

)

select
    r.responsible_provider as provider_code,
    d.measure_month as submission_month,
    d.provider_code as discharging_provider,
    r.responsible_provider <> d.provider_code as responsibility_moved,
    case when r.responsible_provider = d.provider_code then wards.locality end as locality,
    case when r.responsible_provider = d.provider_code then d.bed_ward_code end as ward_code,
    case when r.responsible_provider = d.provider_code then wards.ward_name end as ward_name,
    cast(null as {{ dbt.type_string() }}) as sending_provider,
    d.person_key,
    d.uniq_serv_req_id,
    d.uniq_hosp_prov_spell_id,
    d.record_month as spell_record_month,
    d.start_date_hosp_prov_spell as admission_date,
    d.disch_date_hosp_prov_spell as discharge_date,
    d.meth_of_disch_mh_hosp_prov_spell as discharge_method,
    d.dest_of_disch_hosp_prov_spell as discharge_destination,
    d.uniq_ward_stay_id,
    d.bed_type,
    d.acute_bed,
    d.eligible_discharge,
    coalesce(deaths.died_flag = 1, false) as died_before_follow_up,
    f.first_follow_up_date,
    coalesce(
        {{ days_between('d.disch_date_hosp_prov_spell', 'f.first_follow_up_date') }} <= 3, false
    ) as followed_up_3_days,
    -- AG 28: counted in MHS78
    d.eligible_discharge and d.acute_bed and not coalesce(deaths.died_flag = 1, false)
        as eligible_acute_discharge,
    -- AG 29: counted in MHS79
    d.eligible_discharge and d.acute_bed and not coalesce(deaths.died_flag = 1, false)
        and coalesce(
            {{ days_between('d.disch_date_hosp_prov_spell', 'f.first_follow_up_date') }} <= 3,
            false
        ) as followed_up_within_72h
from responsibility as r
inner join discharges as d
    on {{ same_keys('d', 'r', discharge_keys) }}
left join deaths
    on {{ same_keys('deaths', 'r', discharge_keys + ['responsible_provider']) }}
left join first_follow_up as f
    on {{ same_keys('f', 'r', discharge_keys) }}
left join {{ ref('int_wards') }} as wards
    on wards.provider_code = d.provider_code
    and wards.ward_code = d.bed_ward_code
    and {{ in_effect_on('wards', 'd.disch_date_hosp_prov_spell') }}
