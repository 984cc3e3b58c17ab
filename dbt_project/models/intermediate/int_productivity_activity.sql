-- Activity and its cost by the categories the productivity output is
-- weighted by. Grain: provider x month x locality x activity_type x
-- category_code.
--   bed_day          : occupied bed days (MHS24) by bed type of the ward stay
--                      (MHAdmittedPatientClass), cost = cost of those bed days
--                      (int_cost_ward_stay_days);
--   attended_contact : attended contacts (AttendStatus 5, 6) by team type
--                      (ServTeamTypeMH), cost = cost of the team's contacts
--                      (int_cost_contacts; under PLICS this includes any cost
--                      PLICS put on non-attended contacts).
-- Cost that reached no activity (a ward without occupied bed days, a team
-- without attended contacts, unmapped costs) is not here: it counts in the
-- input, not in the output weights. Only months of int_productivity_periods.
with stays as (

    select
        provider_code,
        period_start,
        coalesce(locality, 'Unknown') as locality,
        'bed_day' as activity_type,
        coalesce(bed_type, 'unknown') as category_code,
        sum(occupied_bed_days) as quantity,
        sum(cost_gbp) as cost_gbp
    from {{ ref('int_cost_ward_stay_days') }}
    where ward_code is not null
    group by provider_code, period_start, coalesce(locality, 'Unknown'), coalesce(bed_type, 'unknown')

),

contacts as (

    select
        provider_code,
        period_start,
        coalesce(locality, 'Unknown') as locality,
        'attended_contact' as activity_type,
        coalesce(team_type, 'unknown') as category_code,
        sum(attended_contacts) as quantity,
        sum(cost_gbp) as cost_gbp
    from {{ ref('int_cost_contacts') }}
    where team_code is not null
    group by provider_code, period_start, coalesce(locality, 'Unknown'), coalesce(team_type, 'unknown')

),

activity as (

    select * from stays
    union all
    select * from contacts

)

select
    activity.provider_code,
    activity.period_start,
    periods.link_period,
    activity.locality,
    activity.activity_type,
    activity.category_code,
    activity.quantity,
    activity.cost_gbp
from activity
inner join {{ ref('int_productivity_periods') }} as periods
    on {{ same_keys('periods', 'activity', ['provider_code', 'period_start']) }}
