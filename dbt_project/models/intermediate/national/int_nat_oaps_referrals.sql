-- Inappropriate out-of-area placements (OAP01-OAP04 and their 'a' variants, monthly,
-- rolling quarter and rolling 12 months) as NHS England computes them. The reference is
-- menh_bbrb/notebooks/02_Specific_Prepare/08_oaps/oaps_prep.py (below "prep.py") with the
-- measure entries of menh_bbrb/notebooks/measure_metadata.py lines 2722-3262.
--
-- One row per reporting month M (window_end_month), window (window_months: 1 = the month
-- M, NHS England's oaps_month; 3 = M-2..M, oaps_quarter; 12 = M-11..M, oaps_year) and
-- out-of-area referral. NHS England builds each window from its own records, not by adding
-- months, so every window has its own rows here; a measure picks the rows of its window
-- with s.window_months and s.window_end_month = p.period_month (see
-- pipelines/national/measures/oaps.yml).
--
-- Rules (prep.py line numbers):
-- * The unit is the RECEIVING provider's referral: an MHS101 referral submitted by the
--   provider the person was placed with, ReasonOAT = '10' (lines 164-180). It is attributed
--   to that provider (OrgIDProv, NHS England's "Receiving Provider" breakdown,
--   breakdown_metadata.py lines 486-503) and to OrgIDReferringOrg as the sending provider,
--   'UNKNOWN' when empty ("Sending Provider", lines 364-365; breakdown_metadata.py 468-485).
-- * Versions: NHS England reads, for a run ending M, the latest version of each record
--   submitted in M-11..M (RecordStartDate/RecordEndDate filters, lines 72-73, 156-157,
--   178-179). With our month-by-month basis that is, per record, the row of the latest
--   month <= M (and >= M-11) whose current submission holds it. ReasonOAT is read from that
--   version. A window holds the referrals whose latest version falls in the window
--   (lines 387, 601, 812): the month window only month M's submission, the quarter the
--   latest version within M-2..M (so a discharge reported late in M replaces an earlier
--   month's open version, and a referral in three submissions is one row).
-- * End date (NewServDischDate, lines 224-249): when the same person (national person id:
--   the pseudonymised NHS number, any provider) has another ReasonOAT 10 referral received
--   after this one and before its ServDischDate (or while it is open), this placement ends
--   on the latest such referral's received date; otherwise on ServDischDate.
-- * Flags (month lines 382-385, quarter 596-599, year 807-810), window [P, E]:
--   received_in_window: ReferralRequestReceivedDate between P and E (OAP01);
--   ended_in_window: the end date between P and E (OAP04);
--   active_at_end: end date empty, or after E in month M's own submission (OAP03; NHS
--   England's OAP03Q/Y read oaps_month, measure_metadata.py lines 3017-3064).
-- * Hospital spells: MHS501 spells of the referral (same provider, referral and person,
--   lines 400-404, 610-614, 821-825), latest version in the window, overlapping the month
--   of that version (lines 56-73). A referral with no spell still counts in OAP01/03/04
--   (left join; bed type 'No Hospital Spell'); several spells on one referral are one
--   placement (COUNT(DISTINCT UniqServReqID)) whose bed days add up.
-- * Ward stays: MHS502 stays of those spells, latest version in the window, overlapping
--   the month of that version (lines 134-159). Acute bed: MHAdmittedPatientClass 200, 201
--   or 202 (line 121; our contract carries the v6 codes for every month, and NHS England's
--   own v5 -> v6 mapping, lines 82-84, makes its v5 test 10/11/12 the same set).
--   - start_acute_bed (OAP01a, lines 324-335, 412-417): a stay whose start and end dates
--     hold the received date. NHS England's BETWEEN is never true for a stay with no end
--     date, so a placement whose first ward stay is still open is 'UNKNOWN', not 'Y'.
--   - active_acute_bed (OAP03a, lines 336-347, 419-425): a stay with no end date or one
--     after E, for a placement active at E.
--   - end_acute_bed (OAP04a, lines 348-359, 427-432): a stay whose dates hold the end date.
--   Each is 'Y' when any such stay is acute, 'N' when one matches but none is acute,
--   'UNKNOWN' when none matches and 'No Hospital Spell' without a spell.
-- * Bed days (OAP02, lines 1-27, 368-380; measure_metadata.py 2855-2994;
--   mhsds_functions.py 713-755): per spell, days from the later of its start and P up to
--   the earlier of its discharge date (not counted) and E + 1, by NHS England's
--   hosp_spell_bed_days_rp. The month window starts from the spell's admission date (line
--   375); the quarter and 12-month windows start from the referral's received date (lines
--   590-591, 803-804), as NHS England does. acute_bed_days: the spells whose ward stay with
--   the highest UniqWardStayID in the window (RANK = 1, line 380) is acute; a spell with no
--   ward stay counts in bed_days but not acute_bed_days (Acute_Bed 'UNKNOWN').
--
-- Not reproduced (join artefacts of prep.py, not rules): in NHS England's SELECT DISTINCT
-- a spell's bed days are added once per distinct row, so they would count twice where two
-- differing MHS001MPI/demographic rows join the person (lines 391-398, 605-608) or two ward
-- stays both hold the received or end date (lines 412-432). Each spell counts once here.
{#- a referral in one window: the key the window steps below join on -#}
{%- set referral_window_keys = ['window_end_month', 'window_months', 'provider_code', 'uniq_serv_req_id'] %}
{%- set referral_spell_keys = referral_window_keys + ['uniq_hosp_prov_spell_id'] %}
with run_months as (

    -- the reporting months: every month any provider submitted (NHS England's `months`)
    select distinct
        reporting_period_start as window_end_month,
        cast({{ dbt.dateadd('month', -11, 'reporting_period_start') }} as date)
            as versions_from_month
    from {{ ref('stg_mhsds__header') }}

),

windows as (

    select window_end_month, versions_from_month, 1 as window_months from run_months
    union all
    select window_end_month, versions_from_month, 3 as window_months from run_months
    union all
    select window_end_month, versions_from_month, 12 as window_months from run_months

),

windows_dated as (

    select
        window_end_month,
        window_months,
        versions_from_month,
        cast({{ dbt.dateadd('month', '1 - window_months', 'window_end_month') }} as date)
            as window_start_date,
        cast({{ dbt.dateadd('day', -1, next_month_start('window_end_month')) }} as date)
            as window_end_date
    from windows

),

-- ---------------------------------------------------------------- referrals

oat_referral_keys as (

    -- referrals that are ReasonOAT 10 in at least one submission (the rest can never
    -- count; this keeps the version ranking small)
    select distinct provider_code, uniq_serv_req_id
    from {{ ref('stg_mhsds__referral_submitted') }}
    where reason_oat = '10'

),

referral_versions as (

    select
        refs.provider_code,
        refs.uniq_serv_req_id,
        refs.person_key,
        refs.org_id_referring_org,
        refs.referral_request_received_date,
        refs.serv_disch_date,
        refs.reason_oat,
        refs.reporting_period_start as version_month
    from {{ ref('stg_mhsds__referral_submitted') }} as refs
    inner join oat_referral_keys as keys
        on {{ same_keys('keys', 'refs', ['provider_code', 'uniq_serv_req_id']) }}

),

referral_ranked as (

    select
        run_months.window_end_month,
        referral_versions.*,
        row_number() over (
            partition by
                run_months.window_end_month,
                referral_versions.provider_code,
                referral_versions.uniq_serv_req_id
            order by referral_versions.version_month desc
        ) as version_rank
    from run_months
    inner join referral_versions
        on referral_versions.version_month >= run_months.versions_from_month
        and referral_versions.version_month <= run_months.window_end_month

),

mpi as (

    select provider_code, reporting_period_start, person_key, nhs_number_key
    from {{ ref('stg_mhsds__mpi_submitted') }}

),

oat_referrals as (

    -- the latest version of each referral as at M, when that version is ReasonOAT 10;
    -- person_id stands for NHS England's national Person_ID (the NHS number pseudonym
    -- from the same submission's MPI, else the provider's own patient key)
    select
        referral_ranked.*,
        coalesce(
            mpi.nhs_number_key,
            {{ dbt.concat(['referral_ranked.provider_code', "'/'", 'referral_ranked.person_key']) }}
        ) as person_id
    from referral_ranked
    left join mpi
        on mpi.provider_code = referral_ranked.provider_code
        and mpi.reporting_period_start = referral_ranked.version_month
        and mpi.person_key = referral_ranked.person_key
    where referral_ranked.version_rank = 1
      and referral_ranked.reason_oat = '10'

),

later_referrals as (

    -- prep.py lines 224-249: the latest received date of another OAP referral of the same
    -- person received after this one and before this one's discharge (or while it is open)
    select
        this_ref.window_end_month,
        this_ref.provider_code,
        this_ref.uniq_serv_req_id,
        max(later_ref.referral_request_received_date) as later_received_date
    from oat_referrals as this_ref
    inner join oat_referrals as later_ref
        on {{ same_keys('later_ref', 'this_ref', ['window_end_month', 'person_id']) }}
        and (
            later_ref.provider_code <> this_ref.provider_code
            or later_ref.uniq_serv_req_id <> this_ref.uniq_serv_req_id
        )
        and later_ref.referral_request_received_date > this_ref.referral_request_received_date
        and (
            this_ref.serv_disch_date is null
            or later_ref.referral_request_received_date < this_ref.serv_disch_date
        )
    group by this_ref.window_end_month, this_ref.provider_code, this_ref.uniq_serv_req_id

),

referral_windows as (

    select
        windows_dated.window_end_month,
        windows_dated.window_months,
        windows_dated.window_start_date,
        windows_dated.window_end_date,
        oat_referrals.provider_code,
        oat_referrals.uniq_serv_req_id,
        oat_referrals.person_key,
        oat_referrals.person_id,
        oat_referrals.org_id_referring_org,
        oat_referrals.referral_request_received_date,
        oat_referrals.serv_disch_date,
        oat_referrals.version_month,
        coalesce(later_referrals.later_received_date, oat_referrals.serv_disch_date)
            as oap_end_date
    from oat_referrals
    inner join windows_dated
        on windows_dated.window_end_month = oat_referrals.window_end_month
        and oat_referrals.version_month >= windows_dated.window_start_date
    left join later_referrals
        on {{ same_keys('later_referrals', 'oat_referrals', ['window_end_month', 'provider_code', 'uniq_serv_req_id']) }}

),

-- ---------------------------------------------------------------- hospital spells

oat_spell_keys as (

    select distinct spells.provider_code, spells.uniq_hosp_prov_spell_id
    from {{ ref('stg_mhsds__hosp_prov_spell_submitted') }} as spells
    inner join oat_referral_keys as keys
        on {{ same_keys('keys', 'spells', ['provider_code', 'uniq_serv_req_id']) }}

),

spell_ranked as (

    {{ oaps_ranked_versions('stg_mhsds__hosp_prov_spell_submitted', 'uniq_hosp_prov_spell_id', [
        'provider_code', 'uniq_hosp_prov_spell_id', 'uniq_serv_req_id', 'person_key',
        'start_date_hosp_prov_spell', 'disch_date_hosp_prov_spell'
    ]) }}

),

spells_current as (

    -- latest version as at M, in the month it was submitted for (prep.py lines 67-73)
    select *
    from spell_ranked
    where {{ oaps_current_and_open('start_date_hosp_prov_spell', 'disch_date_hosp_prov_spell') }}

),

referral_spells as (

    select
        referral_windows.window_end_month,
        referral_windows.window_months,
        referral_windows.provider_code,
        referral_windows.uniq_serv_req_id,
        spells_current.uniq_hosp_prov_spell_id,
        spells_current.start_date_hosp_prov_spell,
        spells_current.disch_date_hosp_prov_spell,
        -- hosp_spell_bed_days_rp (prep.py lines 17-27): the month window from the admission
        -- date (line 375), the quarter and year from the referral's received date (lines
        -- 590-591, 803-804)
        case
            when referral_windows.window_months = 1
                then spells_current.start_date_hosp_prov_spell
            else referral_windows.referral_request_received_date
        end as bed_days_from,
        referral_windows.window_start_date,
        referral_windows.window_end_date
    from referral_windows
    inner join spells_current
        on {{ same_keys('spells_current', 'referral_windows', ['window_end_month', 'provider_code', 'uniq_serv_req_id', 'person_key']) }}
        and spells_current.version_month >= referral_windows.window_start_date

),

-- ---------------------------------------------------------------- ward stays

stay_ranked as (

    {{ oaps_ranked_versions('stg_mhsds__ward_stay_submitted', 'uniq_ward_stay_id', [
        'provider_code', 'uniq_ward_stay_id', 'uniq_hosp_prov_spell_id', 'person_key',
        'start_date_ward_stay', 'end_date_ward_stay', 'mh_admitted_patient_class'
    ]) }}

),

stays_current as (

    -- latest version as at M, in the month it was submitted for (prep.py lines 152-157)
    select
        stay_ranked.*,
        -- prep.py line 121 (see header on the v5 codes)
        case when acute_bed.code is not null then 1 else 0 end as is_acute_bed
    from stay_ranked
    {{ code_list_join('bed_type_groups', 'nhse_oaps_acute_bed',
                      'stay_ranked.mh_admitted_patient_class', alias='acute_bed') }}
    where {{ oaps_current_and_open('start_date_ward_stay', 'end_date_ward_stay') }}

),

referral_stays as (

    select
        {{ columns_of('referral_spells', referral_spell_keys) }},
        stays_current.uniq_ward_stay_id,
        stays_current.start_date_ward_stay,
        stays_current.end_date_ward_stay,
        stays_current.is_acute_bed
    from referral_spells
    inner join referral_windows
        on {{ same_keys('referral_windows', 'referral_spells', referral_window_keys) }}
    inner join stays_current
        on {{ same_keys('stays_current', 'referral_spells', ['window_end_month', 'provider_code', 'uniq_hosp_prov_spell_id']) }}
        and stays_current.person_key = referral_windows.person_key
        and stays_current.version_month >= referral_spells.window_start_date

),

spell_last_stay as (

    -- RANK = 1 (prep.py line 380): the stay with the highest UniqWardStayID of the spell
    select
        window_end_month,
        window_months,
        provider_code,
        uniq_hosp_prov_spell_id,
        is_acute_bed,
        row_number() over (
            partition by window_end_month, window_months, provider_code, uniq_hosp_prov_spell_id
            order by uniq_ward_stay_id desc
        ) as stay_rank
    from referral_stays

),

spell_bed_day_bounds as (

    -- hosp_spell_bed_days_rp (prep.py lines 17-27), term by term: from (counted) ...
    select
        {{ columns_of('referral_spells', referral_spell_keys) }},
        coalesce(spell_last_stay.is_acute_bed, 0) as is_acute_bed,
        case
            when referral_spells.bed_days_from < referral_spells.window_start_date
                and (referral_spells.disch_date_hosp_prov_spell is null
                     or referral_spells.disch_date_hosp_prov_spell > referral_spells.window_start_date)
                then referral_spells.window_start_date
            when referral_spells.bed_days_from >= referral_spells.window_start_date
                and (referral_spells.disch_date_hosp_prov_spell is null
                     or referral_spells.disch_date_hosp_prov_spell > referral_spells.bed_days_from)
                then referral_spells.bed_days_from
            when referral_spells.disch_date_hosp_prov_spell is null
                or referral_spells.disch_date_hosp_prov_spell > referral_spells.window_end_date
                then referral_spells.window_end_date
            else referral_spells.disch_date_hosp_prov_spell
        end as bed_days_start,
        -- ... up to (not counted): the discharge date, or the day after the window
        case
            when referral_spells.disch_date_hosp_prov_spell is null
                or referral_spells.disch_date_hosp_prov_spell > referral_spells.window_end_date
                then {{ add_days('referral_spells.window_end_date', 1) }}
            else referral_spells.disch_date_hosp_prov_spell
        end as bed_days_end_excl
    from referral_spells
    left join spell_last_stay
        on {{ same_keys('spell_last_stay', 'referral_spells', ['window_end_month', 'window_months', 'provider_code', 'uniq_hosp_prov_spell_id']) }}
        and spell_last_stay.stay_rank = 1

),

spell_bed_days as (

    select
        window_end_month,
        window_months,
        provider_code,
        uniq_serv_req_id,
        uniq_hosp_prov_spell_id,
        is_acute_bed,
        {{ days_between('bed_days_start', 'bed_days_end_excl') }} as bed_days
    from spell_bed_day_bounds

),

referral_bed_days as (

    select
        window_end_month,
        window_months,
        provider_code,
        uniq_serv_req_id,
        count(*) as hospital_spells,
        sum(bed_days) as bed_days,
        sum(case when is_acute_bed = 1 then bed_days else 0 end) as acute_bed_days
    from spell_bed_days
    group by window_end_month, window_months, provider_code, uniq_serv_req_id

),

referral_stay_matches as (

    -- which ward stays hold the received date, are open at E, or hold the end date
    select
        matches.window_end_month,
        matches.window_months,
        matches.provider_code,
        matches.uniq_serv_req_id,
        max(case when start_match = 1 then 1 else 0 end) as start_matched,
        max(case when start_match = 1 then is_acute_bed else 0 end) as start_acute,
        max(case when active_match = 1 then 1 else 0 end) as active_matched,
        max(case when active_match = 1 then is_acute_bed else 0 end) as active_acute,
        max(case when end_match = 1 then 1 else 0 end) as end_matched,
        max(case when end_match = 1 then is_acute_bed else 0 end) as end_acute
    from (
        select
            referral_stays.*,
            case
                when referral_stays.end_date_ward_stay is not null
                    and referral_windows.referral_request_received_date
                        >= referral_stays.start_date_ward_stay
                    and referral_windows.referral_request_received_date
                        <= referral_stays.end_date_ward_stay
                    then 1 else 0
            end as start_match,
            case
                when (referral_windows.oap_end_date is null
                      or referral_windows.oap_end_date > referral_windows.window_end_date)
                    and (referral_stays.end_date_ward_stay is null
                         or referral_stays.end_date_ward_stay > referral_windows.window_end_date)
                    then 1 else 0
            end as active_match,
            case
                when referral_windows.oap_end_date >= referral_stays.start_date_ward_stay
                    and referral_windows.oap_end_date <= referral_stays.end_date_ward_stay
                    then 1 else 0
            end as end_match
        from referral_stays
        inner join referral_windows
            on {{ same_keys('referral_windows', 'referral_stays', referral_window_keys) }}
    ) as matches
    group by
        matches.window_end_month,
        matches.window_months,
        matches.provider_code,
        matches.uniq_serv_req_id

),

final as (

    select
        referral_windows.provider_code,
        referral_windows.version_month as submission_month,
        referral_windows.window_end_month,
        referral_windows.window_months,
        referral_windows.window_start_date,
        referral_windows.window_end_date,
        referral_windows.uniq_serv_req_id,
        {{ dbt.concat(['referral_windows.provider_code', "'/'", 'referral_windows.uniq_serv_req_id']) }}
            as referral_key,
        referral_windows.person_key,
        referral_windows.person_id,
        coalesce(referral_windows.org_id_referring_org, 'UNKNOWN') as sending_provider,
        referral_windows.referral_request_received_date,
        referral_windows.serv_disch_date,
        referral_windows.oap_end_date,
        referral_windows.referral_request_received_date >= referral_windows.window_start_date
            and referral_windows.referral_request_received_date <= referral_windows.window_end_date
            as received_in_window,
        coalesce(
            referral_windows.oap_end_date >= referral_windows.window_start_date
            and referral_windows.oap_end_date <= referral_windows.window_end_date,
            false
        ) as ended_in_window,
        -- prep.py line 385: "NewServDischDate is null or NewServDischDate > E and
        -- UniqMonthID = M" (AND binds first)
        (
            referral_windows.oap_end_date is null
            or (
                referral_windows.oap_end_date > referral_windows.window_end_date
                and referral_windows.version_month = referral_windows.window_end_month
            )
        ) as active_at_end,
        coalesce(referral_bed_days.hospital_spells, 0) as hospital_spells,
        {%- for moment in ['start', 'active', 'end'] %}
        case
            when referral_bed_days.hospital_spells is null then 'No Hospital Spell'
            when referral_stay_matches.{{ moment }}_acute = 1 then 'Y'
            when referral_stay_matches.{{ moment }}_matched = 1 then 'N'
            else 'UNKNOWN'
        end as {{ moment }}_acute_bed,
        {%- endfor %}
        coalesce(referral_bed_days.bed_days, 0) as bed_days,
        coalesce(referral_bed_days.acute_bed_days, 0) as acute_bed_days,
        -- national measures from the receiving provider's referral: no local ward/locality
        {{ null_strings(['locality', 'ward_code', 'ward_name']) }}
    from referral_windows
    left join referral_bed_days
        on {{ same_keys('referral_bed_days', 'referral_windows', referral_window_keys) }}
    left join referral_stay_matches
        on {{ same_keys('referral_stay_matches', 'referral_windows', referral_window_keys) }}

)

select * from final
