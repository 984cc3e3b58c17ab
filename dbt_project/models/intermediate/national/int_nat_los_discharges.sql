-- National length of stay (MHS140 family, MHS141 family, MHS100-105, MHS142 family): NHS
-- England's `spells` table (menh_bbrb/notebooks/02_Specific_Prepare/01_los/los_prep.py).
-- One row per discharged hospital spell per submission month AND per ward stay of that
-- spell in the same submission that ends on the discharge date (a spell with no such
-- ward stay: one row with no ward stay and bed type 'Invalid').
--
-- Rules (file menh_bbrb/notebooks/02_Specific_Prepare/01_los/los_prep.py unless named):
-- - each row comes from one provider-month's own submission (lines 46-57: MHS501 record
--   versions with RecordStartDate in the quarter); the ward stay (line 48) and the MPI
--   (line 49) are joined on RecordNumber, i.e. from the same submission and person;
-- - the bed type of the discharge is the MHAdmittedPatientClass of the ward stay whose
--   EndDateWardStay equals DischDateHospProvSpell (line 48, the branch for months after
--   1467 = June 2022); a spell with no such ward stay keeps its row with a null class
--   (LEFT JOIN), so it is 'Invalid' and drops out of every bed-type measure; a spell with
--   two such ward stays has two rows (NHS England's SELECT DISTINCT keeps both, lines
--   97-110: its person counts once, its length of stay twice in a mean or median);
-- - acute_bed (lines 118-121): 200 'Adult Acute', 201 'Older Adult Acute', 202 'PICU',
--   anything else (or no ward stay) 'Invalid'. Our contract is MHSDS v6 only, so the v6
--   codes are used for every month (NHS England maps v5 codes 10/11/12 up to month 1488);
-- - los_days = DATEDIFF(DischDateHospProvSpell, StartDateHospProvSpell) (line 37): the
--   spell's admission date, not the ward stay's, and no day added (admitted and discharged
--   the same day = 0);
-- - age_at_period_end = AgeRepPeriodEnd of the MPI record of the same submission (line
--   43, 49): age at the end of the SUBMISSION month (not of the quarter), exact from the
--   birth month; null when the person has no MPI record in that submission;
-- - the quarter (lines 55-57): DischDateHospProvSpell between the quarter start and the
--   RP end, and the record version current at the RP end (RecordEndDate null or after it).
--   The window depends on the reporting month, so it is the measure filter's job
--   (pipelines/national/measures/los.yml): disch_date within the window, and
--   superseded_month (the next later submission month carrying the same spell) after the
--   window's last month. Rows here are limited to discharges that can fall in some window
--   containing the submission month (discharge month M-2..M).
-- Ward and locality (local breakdowns only): the ward stay ending on the discharge date,
-- with its locality and name from int_wards at the discharge date.
with spells as (

    select
        provider_code,
        reporting_period_start as submission_month,
        uniq_hosp_prov_spell_id,
        person_key,
        start_date_hosp_prov_spell,
        disch_date_hosp_prov_spell,
        -- the next later submission month of this provider that carries the same spell:
        -- from then on NHS England's RecordEndDate closes this version
        lead(reporting_period_start) over (
            partition by provider_code, uniq_hosp_prov_spell_id
            order by reporting_period_start
        ) as superseded_month
    from {{ ref('stg_mhsds__hosp_prov_spell_submitted') }}

),

discharged as (

    select *
    from spells
    where disch_date_hosp_prov_spell is not null
      and disch_date_hosp_prov_spell
          >= cast({{ dbt.dateadd('month', -2, 'submission_month') }} as date)
      and disch_date_hosp_prov_spell < {{ next_month_start('submission_month') }}

),

ward_stays as (

    select
        provider_code,
        reporting_period_start as submission_month,
        uniq_hosp_prov_spell_id,
        person_key,
        uniq_ward_stay_id,
        ward_code,
        mh_admitted_patient_class,
        start_date_ward_stay,
        end_date_ward_stay
    from {{ ref('stg_mhsds__ward_stay_submitted') }}

),

mpi as (

    select
        provider_code,
        reporting_period_start as submission_month,
        person_key,
        max(person_birth_month) as person_birth_month
    from {{ ref('stg_mhsds__mpi_submitted') }}
    group by provider_code, reporting_period_start, person_key

),

joined as (

    select
        discharged.provider_code,
        discharged.submission_month,
        discharged.uniq_hosp_prov_spell_id,
        discharged.person_key,
        discharged.start_date_hosp_prov_spell,
        discharged.disch_date_hosp_prov_spell as disch_date,
        discharged.superseded_month,
        ward_stays.uniq_ward_stay_id,
        ward_stays.ward_code,
        ward_stays.mh_admitted_patient_class,
        ward_stays.start_date_ward_stay,
        ward_stays.end_date_ward_stay,
        mpi.person_birth_month
    from discharged
    left join ward_stays
        on {{ same_keys('ward_stays', 'discharged', ['provider_code', 'submission_month', 'uniq_hosp_prov_spell_id', 'person_key']) }}
        and ward_stays.end_date_ward_stay = discharged.disch_date_hosp_prov_spell
    left join mpi
        on {{ same_keys('mpi', 'discharged', ['provider_code', 'submission_month', 'person_key']) }}

)

select
    joined.provider_code,
    joined.submission_month,
    joined.uniq_hosp_prov_spell_id,
    joined.person_key,
    joined.uniq_ward_stay_id,
    joined.start_date_ward_stay,
    joined.start_date_hosp_prov_spell,
    joined.disch_date,
    joined.superseded_month,
    {{ days_between('joined.start_date_hosp_prov_spell', 'joined.disch_date') }} as los_days,
    joined.mh_admitted_patient_class as bed_type,
    coalesce(acute_bed.label, 'Invalid') as acute_bed,
    cast(floor({{ dbt.datediff('joined.person_birth_month', 'joined.submission_month', 'month') }}
               / 12.0) as integer) as age_at_period_end,
    joined.ward_code,
    wards.ward_name,
    wards.locality,
    cast(null as {{ dbt.type_string() }}) as sending_provider
from joined
left join {{ ref('int_wards') }} as wards
    on {{ same_keys('wards', 'joined', ['provider_code', 'ward_code']) }}
    and {{ in_effect_on('wards', 'joined.disch_date') }}
{{ code_list_join('bed_type_groups', 'nhse_los_acute_bed',
                  'joined.mh_admitted_patient_class', alias='acute_bed') }}
