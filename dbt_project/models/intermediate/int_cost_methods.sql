-- The costing method of each provider, month and kind of unit (ward or
-- team): 'plics' when the provider's PLICS extract for the month has at
-- least one row of that activity type (ward_stay_day for wards,
-- care_contact for teams), otherwise 'ledger' (ledger cost allocated to
-- activity, see int_cost_ward_stay_days and int_cost_contacts).
with plics_months as (

    select
        provider_code,
        reporting_period_start as period_start,
        case when activity_type = 'ward_stay_day' then 'ward' else 'team' end as unit_type,
        count(*) as plics_rows
    from {{ ref('stg_costing__plics') }}
    group by
        provider_code,
        reporting_period_start,
        case when activity_type = 'ward_stay_day' then 'ward' else 'team' end

),

cost_months as (

    select provider_code, reporting_period_start as period_start
    from {{ ref('stg_finance__ledger') }}
    union
    select provider_code, period_start
    from plics_months

),

unit_types as (

    select 'ward' as unit_type
    union all
    select 'team' as unit_type

)

select
    cost_months.provider_code,
    cost_months.period_start,
    unit_types.unit_type,
    case when coalesce(plics_months.plics_rows, 0) > 0 then 'plics' else 'ledger' end
        as cost_method,
    coalesce(plics_months.plics_rows, 0) as plics_rows
from cost_months
cross join unit_types
left join plics_months
    on {{ same_keys('plics_months', 'cost_months', ['provider_code', 'period_start']) }}
    and plics_months.unit_type = unit_types.unit_type
