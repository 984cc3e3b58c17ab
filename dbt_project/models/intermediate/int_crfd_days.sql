-- Clinically-ready-for-discharge days per period and month (MHS26).
-- Periods with start = end are dropped; the rest are ranked by start date
-- within the spell. Days in the month = end (or month end + 1 while open)
-- minus a start point: the month start if the period began before the
-- month; otherwise the day after its start date (the day of becoming ready
-- is not counted), except for a period contiguous with the previous one of
-- the same spell (it starts no later than the day after the previous one
-- ended), which counts from its own start date.
with periods as (

    select
        provider_code,
        mhs518_uniq_id,
        uniq_hosp_prov_spell_id,
        start_date_clin_readyfor_disch as start_date,
        end_date_clin_readyfor_disch as end_date,
        coalesce(end_date_clin_readyfor_disch, {{ next_month_start('reporting_period_start') }})
            as end_excl,
        coalesce(attrib_to_indic, 'unknown') as attrib_to_indic,
        coalesce(clin_readyfor_disch_delay_reason, 'unknown') as delay_reason
    from {{ ref('stg_mhsds__clin_ready_for_discharge') }}
    where end_date_clin_readyfor_disch is null
       or end_date_clin_readyfor_disch <> start_date_clin_readyfor_disch

),

ranked as (

    select
        periods.*,
        lag(end_excl) over (
            partition by provider_code, uniq_hosp_prov_spell_id
            order by start_date, mhs518_uniq_id
        ) as previous_end
    from periods

),

flagged as (

    select
        ranked.*,
        case
            when previous_end is not null
                and start_date <= {{ add_days('previous_end', 1) }} then true
            else false
        end as contiguous_with_previous
    from ranked

),

spell_ward as (

    select
        provider_code,
        uniq_hosp_prov_spell_id,
        discharge_ward_code as ward_code,
        discharge_ward_name as ward_name,
        discharge_locality as locality,
        discharge_bed_type as bed_type
    from {{ ref('int_hospital_spells') }}

),

by_month as (

    select
        flagged.provider_code,
        flagged.mhs518_uniq_id,
        flagged.uniq_hosp_prov_spell_id,
        flagged.attrib_to_indic,
        flagged.delay_reason,
        months.period_start,
        {{ days_between(
            "case when flagged.start_date < months.period_start then months.period_start "
            ~ "when flagged.contiguous_with_previous then flagged.start_date "
            ~ "else " ~ add_days('flagged.start_date', 1) ~ " end",
            'least(flagged.end_excl, months.next_period_start)') }} as crfd_days
    from flagged
    inner join {{ ref('int_provider_months') }} as months
        on {{ overlaps_month('flagged', 'start_date', 'end_excl') }}

)

select
    by_month.*,
    spell_ward.ward_code,
    spell_ward.ward_name,
    coalesce(spell_ward.locality, 'Unknown') as locality,
    spell_ward.bed_type,
    adult_acute.code is not null as is_adult_acute
from by_month
left join spell_ward
    on {{ same_keys('spell_ward', 'by_month', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
{{ code_list_join('bed_type_groups', 'adult_acute', 'spell_ward.bed_type') }}
where by_month.crfd_days > 0
