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
{% set activities = [
    {'model': 'int_cost_ward_stay_days', 'unit': 'ward_code', 'activity_type': 'bed_day',
     'category': 'bed_type', 'quantity': 'occupied_bed_days'},
    {'model': 'int_cost_contacts', 'unit': 'team_code', 'activity_type': 'attended_contact',
     'category': 'team_type', 'quantity': 'attended_contacts'},
] %}

with activity as (
    {% for activity in activities %}
    select
        provider_code,
        period_start,
        coalesce(locality, 'Unknown') as locality,
        '{{ activity.activity_type }}' as activity_type,
        coalesce({{ activity.category }}, 'unknown') as category_code,
        sum({{ activity.quantity }}) as quantity,
        sum(cost_gbp) as cost_gbp
    from {{ ref(activity.model) }}
    where {{ activity.unit }} is not null
    group by provider_code, period_start, coalesce(locality, 'Unknown'),
        coalesce({{ activity.category }}, 'unknown')
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

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
