-- Home leave (MHS509) and leave of absence (MHS510) periods of each spell, with an
-- exclusive end date (open leave runs to the end of the month it was last submitted
-- in). At most one period covers any day of a spell, so bed days less leave can
-- never go below zero.
--
-- Versions follow the record, never its dates. The contract keys a leave record on
-- (UniqHospProvSpellID, start date) and has no record id, so a start date corrected
-- in a later month's submission reaches staging as a second record: the old one
-- (from the earlier submission) and the corrected one. A submission sends every
-- leave of the spell active in its month, so the later submission is authoritative
-- for the days it covers:
--   1. a record is superseded when a record of the same spell and table from a later
--      submission overlaps it (the later month re-sent the leave with other dates);
--      it is dropped whole;
--   2. what is left is made disjoint per spell across both tables: a period that
--      starts inside an earlier-starting one counts only from where that one ends
--      (a day is leave once, even where home leave and leave of absence overlap).
-- Not "only the records of the spell's latest submission": a leave that ended in
-- January is not re-sent in February, so its absence from February's submission
-- does not mean it is gone.
{%- set leave_tables = [
    {'leave_type': 'home_leave', 'model': 'stg_mhsds__home_leave',
     'start': 'start_date_home_leave', 'end': 'end_date_home_leave'},
    {'leave_type': 'leave_of_absence', 'model': 'stg_mhsds__leave_of_absence',
     'start': 'start_date_mh_leave_abs', 'end': 'end_date_mh_leave_abs'},
] %}
with submitted as (
    {% for leave in leave_tables %}
    select
        provider_code,
        uniq_hosp_prov_spell_id,
        '{{ leave.leave_type }}' as leave_type,
        {{ leave.start }} as start_date,
        coalesce({{ leave.end }}, {{ next_month_start('reporting_period_start') }}) as end_excl,
        reporting_period_start,
        submission_created
    from {{ ref(leave.model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

superseded as (

    -- records overlapped by a record of the same spell and table sent later
    select distinct
        earlier.provider_code,
        earlier.uniq_hosp_prov_spell_id,
        earlier.leave_type,
        earlier.start_date
    from submitted as earlier
    inner join submitted as later
        on {{ same_keys('later', 'earlier', ['provider_code', 'uniq_hosp_prov_spell_id', 'leave_type']) }}
        and (
            later.reporting_period_start > earlier.reporting_period_start
            or (later.reporting_period_start = earlier.reporting_period_start
                and later.submission_created > earlier.submission_created)
        )
        and later.start_date < earlier.end_excl
        and earlier.start_date < later.end_excl

),

current_records as (

    select submitted.*
    from submitted
    left join superseded
        on {{ same_keys('superseded', 'submitted', ['provider_code', 'uniq_hosp_prov_spell_id', 'leave_type', 'start_date']) }}
    where superseded.start_date is null

),

covered as (

    -- the furthest end of the spell's leave periods that start before this one
    select
        current_records.*,
        max(end_excl) over (
            partition by provider_code, uniq_hosp_prov_spell_id
            order by start_date, end_excl, leave_type
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from current_records

)

select
    provider_code,
    uniq_hosp_prov_spell_id,
    leave_type,
    case
        when covered_until > start_date then covered_until else start_date
    end as start_date,
    end_excl,
    start_date as recorded_start_date,
    reporting_period_start as last_submitted_period
from covered
where covered_until is null
   or covered_until < end_excl
