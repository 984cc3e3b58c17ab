-- Ledger expenditure per ward, team or unmapped cost centre and month, by
-- subjective. A cost centre serves a ward when the ledger row has a WardCode,
-- otherwise a team when it has a UniqCareProfTeamLocalID (a row with both
-- counts as the ward's). Cost centres with neither are 'unmapped': kept (one
-- row per cost centre) so totals reconcile to the ledger, and reported at
-- provider level only.
with ledger as (

    select * from {{ ref('stg_finance__ledger') }}

),

mapped as (

    select
        provider_code,
        reporting_period_start as period_start,
        case
            when ward_code is not null then 'ward'
            when uniq_care_prof_team_local_id is not null then 'team'
            else 'unmapped'
        end as unit_type,
        coalesce(ward_code, uniq_care_prof_team_local_id, cost_centre) as unit_code,
        cost_centre,
        subjective,
        cast(amount_gbp as double) as amount_gbp
    from ledger

)

select
    provider_code,
    period_start,
    unit_type,
    unit_code,
    count(distinct cost_centre) as cost_centres,
    sum(case when subjective = 'pay_substantive' then amount_gbp else 0 end) as pay_substantive_gbp,
    sum(case when subjective = 'pay_bank' then amount_gbp else 0 end) as pay_bank_gbp,
    sum(case when subjective = 'pay_agency' then amount_gbp else 0 end) as pay_agency_gbp,
    sum(case when subjective = 'non_pay' then amount_gbp else 0 end) as non_pay_gbp,
    sum(case when subjective in ('pay_substantive', 'pay_bank', 'pay_agency')
             then amount_gbp else 0 end) as pay_gbp,
    sum(amount_gbp) as ledger_cost_gbp
from mapped
group by provider_code, period_start, unit_type, unit_code
