-- Cost, activity and staff in post per ward, team or unmapped cost and
-- month: the core of mart_costs and of the cost and workforce metrics.
-- Grain: provider x month x unit_type (ward, team, unmapped) x unit_code.
--   cost_total_gbp = PLICS cost of the unit's activity when the provider has
--   PLICS for that kind of unit and month (cost_method 'plics'), else the
--   unit's ledger cost (cost_method 'ledger'). The pay split (substantive,
--   bank, agency, non-pay) always comes from the ledger: PLICS has no
--   subjective analysis. Ledger rows are costed by the category their
--   Subjective resolves to (int_ledger_subjectives): excluded money is
--   reported in ledger_excluded_gbp and never costed; money under unmapped
--   codes is costed and reported in ledger_unmapped_gbp.
-- Unmapped units: ledger cost centres serving neither a ward nor a team (one
-- row each, unit_code = cost centre), and PLICS costs whose ward stay or
-- contact cannot be found (unit_code 'plics_unmatched_ward_stays' or
-- 'plics_unmatched_contacts'). They count in provider totals only.
-- Staff in post (WTE) comes from int_workforce_units.
{%- set unit_keys = ['provider_code', 'period_start', 'unit_type', 'unit_code'] %}
with ledger as (select * from {{ ref('int_cost_ledger_units') }}),

stay_costs as (
    {% call unit_activity_costs('int_cost_ward_stay_days', 'ward_code', 'ward',
                                'plics_unmatched_ward_stays') %}
        max(case when is_adult_acute then 1 else 0 end) as any_adult_acute,
        sum(occupied_bed_days) as occupied_bed_days,
    {% endcall %}
),

contact_costs as (
    {% call unit_activity_costs('int_cost_contacts', 'team_code', 'team',
                                'plics_unmatched_contacts') %}
        sum(attended_contacts) as attended_contacts,
        sum(case when attended_contacts = 1 then coalesce(duration_minutes, 0) else 0 end)
            as attended_contact_minutes,
    {% endcall %}
),

workforce as (select * from {{ ref('int_workforce_units') }}),

discharges as (

    select provider_code, period_start, ward_code, count(*) as discharges
    from {{ ref('int_discharges') }}
    where ward_code is not null
    group by provider_code, period_start, ward_code

),

units as (

    select provider_code, period_start, unit_type, unit_code from ledger
    union
    select provider_code, period_start, unit_type, unit_code from stay_costs
    where unit_type = 'ward' or plics_cost_gbp <> 0
    union
    select provider_code, period_start, unit_type, unit_code from contact_costs
    where unit_type = 'team' or plics_cost_gbp <> 0
    union
    select provider_code, period_start, unit_type, unit_code from workforce

),

ward_ref as (

    -- the reference row effective on the first day of the month, else the latest
    select * from (
        select
            units.provider_code,
            units.period_start,
            units.unit_code as ward_code,
            wards.ward_name,
            wards.locality,
            wards.ward_bed_type,
            row_number() over (
                partition by units.provider_code, units.period_start, units.unit_code
                order by
                    case when wards.effective_from <= units.period_start
                          and wards.effective_to_excl > units.period_start then 0 else 1 end,
                    wards.effective_from desc
            ) as rn
        from units
        inner join {{ ref('int_wards') }} as wards
            on wards.provider_code = units.provider_code
            and wards.ward_code = units.unit_code
        where units.unit_type = 'ward'
    ) as ranked
    where rn = 1

),

joined as (

    select
        units.provider_code,
        units.period_start,
        units.unit_type,
        units.unit_code,
        case
            when units.unit_type = 'ward' then coalesce(ward_ref.ward_name, units.unit_code)
            when units.unit_type = 'team' then coalesce(teams.team_name, units.unit_code)
            else units.unit_code
        end as unit_name,
        case
            when units.unit_type = 'ward' then coalesce(ward_ref.locality, 'Unknown')
            when units.unit_type = 'team' then coalesce(teams.locality, 'Unknown')
        end as locality,
        case when units.unit_type = 'ward' then ward_ref.ward_bed_type end as bed_type,
        case
            when units.unit_type <> 'ward' then false
            when ward_ref.ward_bed_type is not null
                then adult_acute.code is not null
            else coalesce(stay_costs.any_adult_acute, 0) = 1
        end as is_adult_acute,
        case when units.unit_type = 'team' then teams.team_type end as team_type,
        case
            when units.unit_type = 'unmapped' and units.unit_code like 'plics_unmatched%'
                then 'plics'
            when units.unit_type = 'unmapped' then 'ledger'
            else coalesce(methods.cost_method, 'ledger')
        end as cost_method,
        {{ zero_if_missing('ledger', ['cost_centres', 'pay_substantive_gbp', 'pay_bank_gbp',
            'pay_agency_gbp', 'non_pay_gbp', 'pay_gbp', 'ledger_cost_gbp', 'ledger_unmapped_gbp',
            'ledger_excluded_gbp']) }},
        coalesce(stay_costs.plics_cost_gbp, 0) + coalesce(contact_costs.plics_cost_gbp, 0)
            as plics_cost_gbp,
        coalesce(stay_costs.cost_allocated_gbp, 0) + coalesce(contact_costs.cost_allocated_gbp, 0)
            as cost_allocated_gbp,
        {{ zero_if_missing('stay_costs', ['occupied_bed_days']) }},
        {{ zero_if_missing('discharges', ['discharges']) }},
        {{ zero_if_missing('contact_costs', ['attended_contacts', 'attended_contact_minutes']) }},
        {{ zero_if_missing('workforce', ['wte_total', 'clinical_wte', 'clinical_wte_substantive',
            'clinical_wte_bank', 'clinical_wte_agency', 'nursing_wte']) }}
    from units
    left join ledger
        on {{ same_keys('ledger', 'units', unit_keys) }}
    left join stay_costs
        on {{ same_keys('stay_costs', 'units', unit_keys) }}
    left join contact_costs
        on {{ same_keys('contact_costs', 'units', unit_keys) }}
    left join workforce
        on {{ same_keys('workforce', 'units', unit_keys) }}
    left join discharges
        on units.unit_type = 'ward'
        and {{ same_keys('discharges', 'units', ['provider_code', 'period_start']) }}
        and discharges.ward_code = units.unit_code
    left join ward_ref
        on units.unit_type = 'ward'
        and {{ same_keys('ward_ref', 'units', ['provider_code', 'period_start']) }}
        and ward_ref.ward_code = units.unit_code
    {{ code_list_join('bed_type_groups', 'adult_acute', 'ward_ref.ward_bed_type') }}
    left join {{ ref('int_teams') }} as teams
        on units.unit_type = 'team'
        and teams.provider_code = units.provider_code
        and teams.team_code = units.unit_code
    left join {{ ref('int_cost_methods') }} as methods
        on {{ same_keys('methods', 'units', ['provider_code', 'period_start', 'unit_type']) }}

)

select
    joined.*,
    case when cost_method = 'plics' then plics_cost_gbp else ledger_cost_gbp end
        as cost_total_gbp
from joined
