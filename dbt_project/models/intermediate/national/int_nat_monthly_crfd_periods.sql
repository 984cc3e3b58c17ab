-- National MHS26 (days of delayed discharge, for patients clinically ready for discharge, in
-- the RP): one row per clinically-ready-for-discharge period (MHS518) per submission month,
-- from that month's own submission only.
--
-- Rules (menh_analysis/notebooks/01_Prepare/0.Generic_prep.py MHS26_ranking lines
-- 1900-1977, on DelayedDischv6 lines 1888-1896; the day count in 3.Provider/Inpatient
-- measures.py lines 481-512):
-- 1. periods with start date = end date are dropped first (WHERE ... NOT IN (... StartDate =
--    EndDate), line 1951), so they take no rank;
-- 2. the remaining periods of the submission are ranked within their spell by start date,
--    then identifier (ROW_NUMBER, line 1934), and each gets the end date of the period ranked
--    before it (LEAD(end, -1), line 1935; null for the first, or when that period is open);
-- 3. days = DATEDIFF(end, from) with end = the end date, or RP end + 1 while open (not
--    clipped to the RP), and from =
--      the RP start                when the period started before the RP;
--      start + 1                   when it is ranked first and started in the RP (the day of
--                                  becoming ready is not counted);
--      start + 1                   when ranked later, started in the RP and more than one day
--                                  after the previous period's end (not contiguous);
--      start                       when ranked later and started in the RP otherwise
--                                  (contiguous or overlapping, or the previous one is open);
--      1900-01-01                  otherwise (a start after the RP end, which our raw
--                                  contract quarantines; kept as NHS England writes it).
-- Ranking sees only the month's own submission: a period that ended in an earlier month and
-- is not resubmitted does not make the month's first period contiguous.
-- Provider: the MHS518 record's provider. Person, ward and locality (local breakdowns only):
-- from the spell's ward stay in the same submission that is open at the RP end, else its
-- latest ward stay there; person from the spell in the same submission (MHS518 carries none).
with periods as (

    select
        {{ submission_columns() }},
        mhs518_uniq_id,
        uniq_hosp_prov_spell_id,
        start_date_clin_readyfor_disch,
        end_date_clin_readyfor_disch,
        attrib_to_indic,
        clin_readyfor_disch_delay_reason
    from {{ ref('stg_mhsds__clin_ready_for_discharge_submitted') }}
    where end_date_clin_readyfor_disch is null
       or end_date_clin_readyfor_disch <> start_date_clin_readyfor_disch

),

ranked as (

    select
        periods.*,
        row_number() over (
            partition by provider_code, submission_month, uniq_hosp_prov_spell_id
            order by start_date_clin_readyfor_disch, mhs518_uniq_id
        ) as period_rank,
        lag(end_date_clin_readyfor_disch) over (
            partition by provider_code, submission_month, uniq_hosp_prov_spell_id
            order by start_date_clin_readyfor_disch, mhs518_uniq_id
        ) as previous_end_date
    from periods

),

counted as (

    select
        ranked.*,
        case
            when start_date_clin_readyfor_disch < submission_month then submission_month
            when period_rank = 1
                and start_date_clin_readyfor_disch < next_period_start
                then {{ add_days('start_date_clin_readyfor_disch', 1) }}
            when period_rank <> 1
                and start_date_clin_readyfor_disch < next_period_start
                and start_date_clin_readyfor_disch > {{ add_days('previous_end_date', 1) }}
                then {{ add_days('start_date_clin_readyfor_disch', 1) }}
            when period_rank <> 1
                and start_date_clin_readyfor_disch < next_period_start
                then start_date_clin_readyfor_disch
            else cast('1900-01-01' as date)
        end as count_from_date,
        coalesce(end_date_clin_readyfor_disch, next_period_start) as count_to_date
    from ranked

),

spells as (

    select provider_code, reporting_period_start as submission_month,
           uniq_hosp_prov_spell_id, person_key
    from {{ ref('stg_mhsds__hosp_prov_spell_submitted') }}

),

spell_ward as (

    select * from (
        select
            provider_code,
            reporting_period_start as submission_month,
            uniq_hosp_prov_spell_id,
            ward_code,
            start_date_ward_stay,
            row_number() over (
                partition by provider_code, reporting_period_start, uniq_hosp_prov_spell_id
                order by
                    case
                        when end_date_ward_stay is null
                            or end_date_ward_stay >= {{ next_month_start('reporting_period_start') }}
                            then 0 else 1
                    end,
                    start_date_ward_stay desc,
                    uniq_ward_stay_id desc
            ) as ward_rank
        from {{ ref('stg_mhsds__ward_stay_submitted') }}
    ) as stays
    where ward_rank = 1

)

select
    counted.provider_code,
    counted.submission_month,
    counted.mhs518_uniq_id,
    counted.uniq_hosp_prov_spell_id,
    spells.person_key,
    spell_ward.ward_code,
    wards.ward_name,
    wards.locality,
    cast(null as {{ dbt.type_string() }}) as sending_provider,
    counted.start_date_clin_readyfor_disch,
    counted.end_date_clin_readyfor_disch,
    counted.attrib_to_indic,
    counted.clin_readyfor_disch_delay_reason,
    counted.period_rank,
    counted.previous_end_date,
    counted.count_from_date,
    counted.count_to_date,
    {{ days_between('counted.count_from_date', 'counted.count_to_date') }} as crfd_days
from counted
left join spells
    on {{ same_keys('spells', 'counted', ['provider_code', 'submission_month', 'uniq_hosp_prov_spell_id']) }}
left join spell_ward
    on {{ same_keys('spell_ward', 'counted', ['provider_code', 'submission_month', 'uniq_hosp_prov_spell_id']) }}
left join {{ ref('int_wards') }} as wards
    on wards.provider_code = counted.provider_code
    and wards.ward_code = spell_ward.ward_code
    -- in effect on the later of the stay's start and the month's start
    and {{ in_effect_on('wards', 'case when spell_ward.start_date_ward_stay < counted.submission_month then counted.submission_month else spell_ward.start_date_ward_stay end') }}
