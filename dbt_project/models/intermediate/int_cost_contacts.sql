-- The cost of each care contact. Grain: care contact x month (the month of
-- the contact, or the month its PLICS cost was booked in).
--   plics method : the PLICS care_contact cost of the contact (all cost
--                  pools; PLICS may cost non-attended contacts too);
--   ledger method: the team's ledger cost for the month shared over the
--                  team's attended contacts (AttendStatus 5, 6) of the month
--                  in proportion to their duration (ClinContDurOfCareCont):
--                  contact cost = team ledger cost x weight / sum of weights,
--                  weight = duration in minutes; a missing or zero duration
--                  counts as the mean positive duration of the team's
--                  attended contacts that month (equal shares if there is
--                  none). Non-attended contacts cost nothing under this rule.
-- A team with ledger cost but no attended contacts keeps its cost at team
-- level (int_cost_units). Contacts without a team, and PLICS rows whose
-- contact is unknown, have team_code null and are reported as unmapped.
with contacts as (

    select * from {{ ref('int_care_contacts') }}

),

plics as (

    select
        provider_code,
        reporting_period_start as period_start,
        activity_id as uniq_care_cont_id,
        sum(cast(cost_gbp as double)) as plics_cost_gbp
    from {{ ref('stg_costing__plics') }}
    where activity_type = 'care_contact'
    group by provider_code, reporting_period_start, activity_id

),

contact_months as (

    select provider_code, period_start, uniq_care_cont_id from contacts
    union
    select provider_code, period_start, uniq_care_cont_id from plics

),

combined as (

    select
        contact_months.provider_code,
        contact_months.period_start,
        contact_months.uniq_care_cont_id,
        contacts.team_code,
        contacts.team_name,
        contacts.locality,
        contacts.team_type,
        case
            when contacts.period_start = contact_months.period_start and contacts.is_attended
                then 1 else 0
        end as attended_contacts,
        case
            when contacts.period_start = contact_months.period_start and contacts.is_attended
                then contacts.duration_minutes
        end as duration_minutes,
        plics.plics_cost_gbp
    from contact_months
    left join contacts
        on contacts.provider_code = contact_months.provider_code
        and contacts.uniq_care_cont_id = contact_months.uniq_care_cont_id
    left join plics
        on plics.provider_code = contact_months.provider_code
        and plics.period_start = contact_months.period_start
        and plics.uniq_care_cont_id = contact_months.uniq_care_cont_id

),

team_durations as (

    select
        provider_code,
        period_start,
        team_code,
        avg(case when attended_contacts = 1 and duration_minutes > 0
                 then cast(duration_minutes as double) end) as mean_positive_duration
    from combined
    where team_code is not null
    group by provider_code, period_start, team_code

),

weighted as (

    select
        combined.*,
        case
            when combined.team_code is null or combined.attended_contacts = 0 then 0
            when combined.duration_minutes > 0 then cast(combined.duration_minutes as double)
            when team_durations.mean_positive_duration is not null
                then team_durations.mean_positive_duration
            else 1
        end as allocation_weight
    from combined
    left join team_durations
        on team_durations.provider_code = combined.provider_code
        and team_durations.period_start = combined.period_start
        and team_durations.team_code = combined.team_code

),

team_weights as (

    select provider_code, period_start, team_code, sum(allocation_weight) as team_weight
    from weighted
    where team_code is not null
    group by provider_code, period_start, team_code

),

ledger as (

    select provider_code, period_start, unit_code as team_code, ledger_cost_gbp
    from {{ ref('int_cost_ledger_units') }}
    where unit_type = 'team'

),

methods as (

    select provider_code, period_start, cost_method
    from {{ ref('int_cost_methods') }}
    where unit_type = 'team'

),

allocated as (

    select
        weighted.*,
        case
            when team_weights.team_weight > 0
                then coalesce(ledger.ledger_cost_gbp, 0) * weighted.allocation_weight
                    / team_weights.team_weight
            else 0
        end as ledger_allocated_cost_gbp,
        coalesce(methods.cost_method, 'ledger') as cost_method
    from weighted
    left join team_weights
        on team_weights.provider_code = weighted.provider_code
        and team_weights.period_start = weighted.period_start
        and team_weights.team_code = weighted.team_code
    left join ledger
        on ledger.provider_code = weighted.provider_code
        and ledger.period_start = weighted.period_start
        and ledger.team_code = weighted.team_code
    left join methods
        on methods.provider_code = weighted.provider_code
        and methods.period_start = weighted.period_start

)

select
    provider_code,
    period_start,
    uniq_care_cont_id,
    team_code,
    team_name,
    locality,
    team_type,
    attended_contacts,
    duration_minutes,
    allocation_weight,
    coalesce(plics_cost_gbp, 0) as plics_cost_gbp,
    ledger_allocated_cost_gbp,
    cost_method,
    case
        when cost_method = 'plics' then coalesce(plics_cost_gbp, 0)
        else ledger_allocated_cost_gbp
    end as cost_gbp
from allocated
