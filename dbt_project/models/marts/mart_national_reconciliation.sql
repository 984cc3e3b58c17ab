-- Our national measures beside NHS England's publication, per provider, month, measure and
-- national breakdown present on either side (for the providers in this warehouse, the
-- months they submitted, and the measures the month's publication carries). Status:
--   match          our value rounded and suppressed as national equals the published one
--                  (also: ours is exactly 0 and the publication, which omits zero rows,
--                  has no row)
--   suppressed     published '*' and ours suppressed too (a count under 5, or a
--                  percentage/mean whose count is)
--   differs        both present, different
--   only_ours      we have a non-zero value the publication does not
--   only_published the publication has a value we do not
with ours as (

    select * from {{ ref('mart_national_measures') }}
    -- the national breakdowns (pipelines/national/breakdowns.yml)
    where breakdown in ('{{ national_breakdown_names() | join("', '") }}')

),

providers as (

    select distinct provider_code from {{ ref('int_national_periods') }}

),

months as (

    select distinct period_month from {{ ref('int_national_periods') }}

),

published as (

    select p.*
    from {{ ref('int_national_published_compared') }} as p
    inner join providers
        on providers.provider_code = p.primary_level
    inner join months
        on months.period_month = p.period_month

),

published_measures as (

    -- the measures each month's publication carries (for any provider): a measure the
    -- national file does not publish at all (a quarterly variant, a measure outside the
    -- file) is not a difference
    select distinct period_month, measure_id
    from {{ ref('int_national_published_compared') }}

),

ours_here as (

    select ours.*
    from ours
    inner join providers
        on providers.provider_code = ours.primary_level
    inner join published_measures
        on {{ same_keys('published_measures', 'ours', ['period_month', 'measure_id']) }}

),

joined as (

    select
        coalesce(o.primary_level, p.primary_level) as provider_code,
        coalesce(o.period_month, p.period_month) as period_month,
        coalesce(o.reporting_period_start, p.reporting_period_start) as reporting_period_start,
        coalesce(o.reporting_period_end, p.reporting_period_end) as reporting_period_end,
        coalesce(o.measure_id, p.measure_id) as measure_id,
        coalesce(o.measure_name, p.measure_name) as measure_name,
        coalesce(o.breakdown, p.breakdown) as breakdown,
        coalesce(o.secondary_level, p.secondary_level) as secondary_level,
        o.measure_value as our_value,
        o.measure_value_rounded as our_value_rounded,
        p.measure_value_published as published_value,
        p.measure_value as published_value_numeric,
        p.status as published_status,
        p.publication_month,
        o.measure_id is not null as in_ours,
        p.measure_id is not null as in_published
    from ours_here as o
    full outer join published as p
        on {{ same_keys('p', 'o', ['period_month', 'measure_id', 'breakdown', 'primary_level', 'secondary_level']) }}

)

select
    provider_code,
    period_month,
    reporting_period_start,
    reporting_period_end,
    measure_id,
    measure_name,
    breakdown,
    secondary_level,
    our_value,
    our_value_rounded,
    published_value,
    published_value_numeric,
    published_status,
    publication_month,
    case
        when in_ours and in_published and published_value_numeric is not null
            then published_value_numeric - our_value
    end as difference,
    case
        when in_ours and in_published and published_value = '*' and our_value_rounded = '*'
            then 'suppressed'
        when in_ours and in_published and published_value_numeric is not null
            and our_value_rounded <> '*'
            and cast(our_value_rounded as double) = published_value_numeric
            then 'match'
        when in_ours and in_published then 'differs'
        when in_ours and our_value = 0 then 'match'
        when in_ours then 'only_ours'
        else 'only_published'
    end as status,
    case
        when in_ours and not in_published and our_value = 0
            then 'zero: the national file omits zero rows'
        when in_ours and not in_published
            then 'not in the national file for this month (published before the submission was accepted, or not yet loaded)'
        when in_published and not in_ours
            then 'published nationally but not computed here (records rejected here, or a provider or month not loaded)'
    end as note
from joined
