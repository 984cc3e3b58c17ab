-- Staff in post (WTE) per ward, team or unmapped cost centre and month.
-- Grain: provider x month x unit_type x unit_code (as int_cost_units).
-- staff_in_post.csv has only a cost centre: it is mapped to a ward or team
-- through the ledger of the same provider and month (WardCode first, then
-- UniqCareProfTeamLocalID), failing that through the latest ledger month
-- that has the cost centre; a cost centre in no ledger is 'unmapped'.
-- StaffGroup is the national ESR staff group; what it counts as comes from
-- the seed esr_staff_groups (one place to read and change it): clinical =
-- the groups marked clinical there (nursing, medical, allied health,
-- scientific and therapeutic, support to clinical; not admin, estates or
-- students); nursing = Nursing and Midwifery Registered only (registered
-- nurses; support_to_clinical is not counted).
with staff as (

    -- a left join: a group of the contract missing from the seed still counts in
    -- wte_total (and the seed's tests plus tests/ingest keep the two in step)
    select
        s.provider_code,
        s.reporting_period_start as period_start,
        s.cost_centre,
        coalesce(staff_groups.metric_staff_group, 'unmapped') as staff_group,
        coalesce(staff_groups.clinical, false) as is_clinical,
        s.contract_type,
        cast(s.wte as double) as wte
    from {{ ref('stg_workforce__staff_in_post') }} as s
    left join {{ ref('esr_staff_groups') }} as staff_groups
        on staff_groups.esr_staff_group = s.staff_group

),

ledger_map as (

    select
        provider_code,
        reporting_period_start as period_start,
        cost_centre,
        max(ward_code) as ward_code,
        max(uniq_care_prof_team_local_id) as team_code
    from {{ ref('stg_finance__ledger') }}
    group by provider_code, reporting_period_start, cost_centre

),

latest_map as (

    select provider_code, cost_centre, ward_code, team_code
    from (
        select
            ledger_map.*,
            row_number() over (
                partition by provider_code, cost_centre order by period_start desc
            ) as rn
        from ledger_map
    ) as ranked
    where rn = 1

),

mapped as (

    select
        staff.*,
        case when same_month.cost_centre is not null then same_month.ward_code
             else latest_map.ward_code end as ward_code,
        case when same_month.cost_centre is not null then same_month.team_code
             else latest_map.team_code end as team_code
    from staff
    left join ledger_map as same_month
        on {{ same_keys('same_month', 'staff', ['provider_code', 'period_start', 'cost_centre']) }}
    left join latest_map
        on {{ same_keys('latest_map', 'staff', ['provider_code', 'cost_centre']) }}

),

units as (

    select
        mapped.*,
        case
            when ward_code is not null then 'ward'
            when team_code is not null then 'team'
            else 'unmapped'
        end as unit_type,
        coalesce(ward_code, team_code, cost_centre) as unit_code
    from mapped

)

select
    provider_code,
    period_start,
    unit_type,
    unit_code,
    sum(wte) as wte_total,
    sum(case when is_clinical then wte else 0 end) as clinical_wte,
    sum(case when is_clinical and contract_type = 'substantive' then wte else 0 end)
        as clinical_wte_substantive,
    sum(case when is_clinical and contract_type = 'bank' then wte else 0 end)
        as clinical_wte_bank,
    sum(case when is_clinical and contract_type = 'agency' then wte else 0 end)
        as clinical_wte_agency,
    sum(case when staff_group = 'nursing' then wte else 0 end) as nursing_wte,
    sum(case when staff_group = 'admin' then wte else 0 end) as admin_wte
from units
group by provider_code, period_start, unit_type, unit_code
