-- National MHS21 (open ward stays at the end of the RP), MHS24 (bed days in RP) and MHS25
-- (bed days less leave in RP): one row per ward stay per submission month, from that month's
-- own submission only (NHS England: WHERE UniqMonthID = '$month_id').
--
-- Rules (menh_analysis/notebooks/01_Prepare/0.Generic_prep.py):
-- - days in the RP (BED_DAYS_IN_RP_PROV, lines 1438-1476): DATEDIFF(end, start) where start
--   is the ward stay start, or the RP start if the stay began before it, and end is the ward
--   stay end date, or RP end + 1 while the stay is open. The end date is not clipped and no
--   date filter is applied: every ward stay of the submission counts (the admission day
--   counts, the discharge day does not; a stay the submission carries that ended before the
--   RP gives a negative number, as NHS England's DATEDIFF does).
-- - bed days are attributed to the provider of the person's MPI record in the same
--   submission (LEFT JOIN MHS001MPI ... GROUP BY MPI.OrgIDProv): a ward stay whose person has
--   no MPI record in the month falls to a null provider that is never published, so its
--   bed_days are 0 here.
-- - leave (HOME_LEAVE_IN_RP_PROV lines 1517-1549, LOA_IN_RP_PROV lines 1590-1621): each home
--   leave / leave of absence record of the same submission, clipped the same way (start
--   clipped to the RP start, open leave to RP end + 1, end not clipped), joined to a ward
--   stay of the same submission, grouped by the ward stay's provider (no MPI condition).
--   MHS25 = bed days - home leave - leave of absence (3.Provider/Inpatient measures.py
--   lines 446-477). NHS England joins leave on UniqWardStayID; our MHS509/MHS510 carry the
--   spell only, so each leave record is given to ONE ward stay of its spell in the same
--   submission: the stay its start date falls in, else the latest stay started on or
--   before it, else the latest stay (never counted twice; leave of a spell with no ward
--   stay in the submission is dropped, as NHS England's inner join drops it).
-- - open at the end of the RP (MHS502WardStay_open_end_rp lines 751-763): end date null
--   or after the RP end; MHS21 also needs the person's MPI record in the same submission
--   (Main_monthly_prep MHS21_Prov_prep lines 1165-1190, inner join on Person_ID, OrgIDProv
--   and UniqMonthID).
-- Ward and locality (local breakdowns only): the stay's own ward, from int_wards at the
-- later of the stay start and the month start.
with ward_stays as (

    select
        {{ submission_columns() }},
        uniq_ward_stay_id,
        uniq_hosp_prov_spell_id,
        person_key,
        ward_code,
        start_date_ward_stay,
        end_date_ward_stay
    from {{ ref('stg_mhsds__ward_stay_submitted') }}

),

mpi as (

    {{ submission_mpi_people() }}

),

leave_records as (

    select
        {{ submission_columns() }},
        uniq_hosp_prov_spell_id,
        'home_leave' as leave_type,
        source_file_id,
        source_record_no,
        start_date_home_leave as start_date,
        end_date_home_leave as end_date
    from {{ ref('stg_mhsds__home_leave_submitted') }}
    union all
    select
        {{ submission_columns() }},
        uniq_hosp_prov_spell_id,
        'leave_of_absence' as leave_type,
        source_file_id,
        source_record_no,
        start_date_mh_leave_abs as start_date,
        end_date_mh_leave_abs as end_date
    from {{ ref('stg_mhsds__leave_of_absence_submitted') }}

),

leave_candidates as (

    -- every ward stay of the leave's spell in the same submission, best first
    select
        leave_records.provider_code,
        leave_records.submission_month,
        leave_records.leave_type,
        ward_stays.uniq_ward_stay_id,
        {{ days_between(
            "case when leave_records.start_date < leave_records.submission_month"
            ~ " then leave_records.submission_month else leave_records.start_date end",
            "coalesce(leave_records.end_date, leave_records.next_period_start)") }}
            as leave_days,
        row_number() over (
            partition by leave_records.leave_type, leave_records.source_file_id,
                         leave_records.source_record_no
            order by
                case
                    when ward_stays.start_date_ward_stay <= leave_records.start_date
                        and (ward_stays.end_date_ward_stay is null
                             or ward_stays.end_date_ward_stay > leave_records.start_date)
                        then 0
                    when ward_stays.start_date_ward_stay <= leave_records.start_date then 1
                    else 2
                end,
                ward_stays.start_date_ward_stay desc,
                ward_stays.uniq_ward_stay_id desc
        ) as candidate_rank
    from leave_records
    inner join ward_stays
        on {{ same_keys('ward_stays', 'leave_records', ['provider_code', 'submission_month', 'uniq_hosp_prov_spell_id']) }}

),

leave_per_stay as (

    select
        provider_code,
        submission_month,
        uniq_ward_stay_id,
        sum(case when leave_type = 'home_leave' then leave_days else 0 end) as home_leave_days,
        sum(case when leave_type = 'leave_of_absence' then leave_days else 0 end)
            as leave_of_absence_days
    from leave_candidates
    where candidate_rank = 1
    group by provider_code, submission_month, uniq_ward_stay_id

),

stay_days as (

    select
        ward_stays.*,
        mpi.person_key is not null as person_in_mpi,
        {{ days_between(
            "case when ward_stays.start_date_ward_stay < ward_stays.submission_month"
            ~ " then ward_stays.submission_month else ward_stays.start_date_ward_stay end",
            "coalesce(ward_stays.end_date_ward_stay, ward_stays.next_period_start)") }}
            as ward_stay_days
    from ward_stays
    left join mpi
        on {{ same_keys('mpi', 'ward_stays', ['provider_code', 'submission_month', 'person_key']) }}

),

final as (

    select
        stay_days.provider_code,
        stay_days.submission_month,
        stay_days.uniq_ward_stay_id,
        stay_days.uniq_hosp_prov_spell_id,
        stay_days.person_key,
        stay_days.ward_code,
        wards.ward_name,
        wards.locality,
        cast(null as {{ dbt.type_string() }}) as sending_provider,
        stay_days.start_date_ward_stay,
        stay_days.end_date_ward_stay,
        stay_days.person_in_mpi,
        (stay_days.end_date_ward_stay is null
            or stay_days.end_date_ward_stay >= stay_days.next_period_start)
            as is_open_at_period_end,
        stay_days.ward_stay_days,
        case when stay_days.person_in_mpi then stay_days.ward_stay_days else 0 end as bed_days,
        coalesce(leave_per_stay.home_leave_days, 0) as home_leave_days,
        coalesce(leave_per_stay.leave_of_absence_days, 0) as leave_of_absence_days
    from stay_days
    left join leave_per_stay
        on {{ same_keys('leave_per_stay', 'stay_days', ['provider_code', 'submission_month', 'uniq_ward_stay_id']) }}
    left join {{ ref('int_wards') }} as wards
        on {{ same_keys('wards', 'stay_days', ['provider_code', 'ward_code']) }}
        -- in effect on the later of the stay's start and the month's start
        and {{ in_effect_on('wards', 'case when stay_days.start_date_ward_stay < stay_days.submission_month then stay_days.submission_month else stay_days.start_date_ward_stay end') }}

)

select
    final.*,
    final.bed_days - final.home_leave_days - final.leave_of_absence_days as bed_days_less_leave
from final
