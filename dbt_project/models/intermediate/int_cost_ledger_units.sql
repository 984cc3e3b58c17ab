-- Ledger expenditure per ward, team or unmapped cost centre and month, by
-- cost category (the Subjective resolved by int_ledger_subjectives: a
-- category, or an account code through reference/subjective_map.csv). A cost
-- centre serves a ward when the ledger row has a WardCode, otherwise a team
-- when it has a UniqCareProfTeamLocalID (a row with both counts as the
-- ward's). Cost centres with neither are 'unmapped': kept (one row per cost
-- centre) so totals reconcile to the ledger, and reported at provider level
-- only.
-- ledger_cost_gbp = pay + non-pay + unmapped subjectives: every row but the
-- excluded ones. Money under a code the map does not cover still counts as the
-- unit's cost (it is spent there; the gate warns until the map covers it);
-- excluded money (e.g. depreciation, recharges) is reported, never costed.
with mapped as (

    select
        provider_code,
        period_start,
        case
            when ward_code is not null then 'ward'
            when uniq_care_prof_team_local_id is not null then 'team'
            else 'unmapped'
        end as unit_type,
        coalesce(ward_code, uniq_care_prof_team_local_id, cost_centre) as unit_code,
        cost_centre,
        category,
        amount_gbp
    from {{ ref('int_ledger_subjectives') }} as ledger

)

select
    provider_code,
    period_start,
    unit_type,
    unit_code,
    count(distinct cost_centre) as cost_centres,
    sum(case when category = 'pay_substantive' then amount_gbp else 0 end) as pay_substantive_gbp,
    sum(case when category = 'pay_bank' then amount_gbp else 0 end) as pay_bank_gbp,
    sum(case when category = 'pay_agency' then amount_gbp else 0 end) as pay_agency_gbp,
    sum(case when category = 'non_pay' then amount_gbp else 0 end) as non_pay_gbp,
    sum(case when category in ('pay_substantive', 'pay_bank', 'pay_agency')
             then amount_gbp else 0 end) as pay_gbp,
    sum(case when category = 'unmapped' then amount_gbp else 0 end) as ledger_unmapped_gbp,
    sum(case when category = 'excluded' then amount_gbp else 0 end) as ledger_excluded_gbp,
    sum(case when category <> 'excluded' then amount_gbp else 0 end) as ledger_cost_gbp
from mapped
group by provider_code, period_start, unit_type, unit_code
