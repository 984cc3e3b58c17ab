-- National MHS156 family (discharges, bed days and mean length of stay for people aged 18
-- and over from adult acute, older adult acute and PICU beds): NHS England's
-- `distinct_spells` table (menh_bbrb/notebooks/02_Specific_Prepare/01_los/los_prep.py
-- lines 136-155). One row per discharged hospital spell per submission month, built from
-- int_nat_los_discharges (the `spells` table: one row per spell and ward stay ending on
-- the discharge date).
--
-- NHS England's SELECT DISTINCT drops the ward stay columns after the filter
-- Acute_Bed <> 'Invalid' and AgeRepPeriodEnd >= 18 (line 155), so a spell counts once
-- when ANY ward stay ending on its discharge date is a 200, 201 or 202 bed, and its length
-- of stay is summed / averaged once: has_acute_discharge_bed carries that test, and the
-- measures (pipelines/national/measures/los.yml) filter on it and on age_at_period_end.
-- The quarter window and record versions are applied by the measure filter as for
-- int_nat_los_discharges (disch_date, superseded_month).
-- Ward and locality (local breakdowns only): the spell's ward stay ending on the discharge
-- date, a 200-202 one first, then the latest started (ward stay id breaks ties).
with ranked as (

    select
        discharges.*,
        max(case when acute_bed <> 'Invalid' then 1 else 0 end) over (
            partition by provider_code, submission_month, uniq_hosp_prov_spell_id
        ) as any_acute_bed,
        row_number() over (
            partition by provider_code, submission_month, uniq_hosp_prov_spell_id
            order by
                case when acute_bed <> 'Invalid' then 0 else 1 end,
                start_date_ward_stay desc,
                uniq_ward_stay_id desc
        ) as ward_rank
    from {{ ref('int_nat_los_discharges') }} as discharges

)

select
    provider_code,
    submission_month,
    uniq_hosp_prov_spell_id,
    person_key,
    start_date_hosp_prov_spell,
    disch_date,
    superseded_month,
    los_days,
    age_at_period_end,
    any_acute_bed = 1 as has_acute_discharge_bed,
    uniq_ward_stay_id,
    bed_type,
    acute_bed,
    ward_code,
    ward_name,
    locality,
    sending_provider
from ranked
where ward_rank = 1
