-- NHS England's national publication as it stands: one row per reporting period, status,
-- breakdown, primary and secondary level and measure, from the file that supersedes every
-- other for that period and status (raw keeps every national file loaded).
--
-- Supersede rule (docs/your-data.md, "The national publication"): for each
-- REPORTING_PERIOD_END and STATUS, the rows of ONE file count: the file of the later
-- publication month (its national/<YYYY-MM>/ folder), then the file loaded later (manifest
-- file_id: a file delivered in a later run, or re-delivered with new content at the same
-- path). The whole (period, status) comes from that file: a measure or level it leaves out
-- is not taken from an earlier file (NHS England leaves out zero rows). Other statuses of
-- the period (Provisional beside Performance) are untouched.
--
-- measure_value: the published value as a number, null when suppressed ('*');
-- measure_value_published keeps the text as published.
with published as (select * from {{ ref('stg_national__national_publication') }}),

file_periods as (

    select distinct
        measure_period_end,
        status,
        source_file_id,
        reporting_period_start as publication_month
    from published

),

ranked as (

    select
        file_periods.*,
        row_number() over (
            partition by measure_period_end, status
            order by publication_month desc, source_file_id desc
        ) as file_rank,
        count(*) over (partition by measure_period_end, status) as files_for_period
    from file_periods

)

select
    published.measure_period_start as reporting_period_start,
    published.measure_period_end as reporting_period_end,
    cast({{ dbt.date_trunc('month', 'published.measure_period_end') }} as date) as period_month,
    published.status,
    published.breakdown,
    published.primary_level,
    published.primary_level_description,
    published.secondary_level,
    published.secondary_level_description,
    published.measure_id,
    published.measure_name,
    case when trim(published.measure_value) = '*' then null
         else cast(trim(published.measure_value) as double) end as measure_value,
    trim(published.measure_value) = '*' as is_suppressed,
    trim(published.measure_value) as measure_value_published,
    ranked.publication_month,
    published.source_file_id,
    ranked.files_for_period
from published
inner join ranked
    on {{ same_keys('ranked', 'published', ['measure_period_end', 'status', 'source_file_id']) }}
    and ranked.file_rank = 1
