-- Cost, activity and staff in post per ward, team (and unmapped cost) and
-- month, with the costing method of every figure (docs/costing-and-productivity.md).
-- Grain: provider x month x unit_type x unit_code. Aggregates only.
select
    provider_code,
    period_start,
    unit_type,
    unit_code,
    unit_name,
    locality,
    bed_type,
    is_adult_acute,
    team_type,
    cost_method,
    cost_total_gbp,
    ledger_cost_gbp,
    ledger_unmapped_gbp,
    ledger_excluded_gbp,
    plics_cost_gbp,
    cost_allocated_gbp,
    pay_substantive_gbp,
    pay_bank_gbp,
    pay_agency_gbp,
    non_pay_gbp,
    pay_gbp,
    100.0 * pay_agency_gbp / nullif(pay_gbp, 0) as agency_pay_pct,
    cast(occupied_bed_days as bigint) as occupied_bed_days,
    cast(discharges as bigint) as discharges,
    cast(attended_contacts as bigint) as attended_contacts,
    cast(attended_contact_minutes as bigint) as attended_contact_minutes,
    case when unit_type = 'ward' then cost_total_gbp / nullif(occupied_bed_days, 0) end
        as cost_per_occupied_bed_day,
    case when unit_type = 'ward' then cost_total_gbp / nullif(discharges, 0) end
        as cost_per_discharge,
    case when unit_type = 'team' then cost_total_gbp / nullif(attended_contacts, 0) end
        as cost_per_attended_contact,
    wte_total,
    clinical_wte,
    clinical_wte_substantive,
    clinical_wte_bank,
    clinical_wte_agency,
    nursing_wte,
    case when unit_type = 'team' then attended_contacts / nullif(clinical_wte, 0) end
        as attended_contacts_per_clinical_wte,
    case when unit_type = 'ward' then occupied_bed_days / nullif(nursing_wte, 0) end
        as occupied_bed_days_per_nursing_wte
from {{ ref('int_cost_units') }}
