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
with contacts as (select * from {{ ref('int_care_contacts') }}),

{{ activity_months_ctes('contacts', 'care_contact', 'uniq_care_cont_id') }},

combined as (

    select
        activity_months.provider_code,
        activity_months.period_start,
        activity_months.uniq_care_cont_id,
        contacts.team_code,
        contacts.team_name,
        contacts.locality,
        contacts.team_type,
        case
            when contacts.period_start = activity_months.period_start and contacts.is_attended
                then 1 else 0
        end as attended_contacts,
        case
            when contacts.period_start = activity_months.period_start and contacts.is_attended
                then contacts.duration_minutes
        end as duration_minutes,
        plics.plics_cost_gbp
    from activity_months
    left join contacts
        on {{ same_keys('contacts', 'activity_months', ['provider_code', 'uniq_care_cont_id']) }}
    left join plics
        on {{ same_keys('plics', 'activity_months', ['provider_code', 'period_start', 'uniq_care_cont_id']) }}

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
        on {{ same_keys('team_durations', 'combined', ['provider_code', 'period_start', 'team_code']) }}

),

{{ ledger_allocation_ctes('weighted', 'team', 'team_code', 'allocation_weight') }}

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
    {{ allocated_cost_columns() }}
from allocated
