-- The national publication as the reconciliation and peer comparison use it: for each
-- reporting month, the rows of the most final status published (Final, else Performance,
-- else Provisional: one status a month, so a provider's measure is compared once), at the
-- national breakdowns, for the measures we compute.
{% set rank_of = "case {} when 'Final' then 1 when 'Performance' then 2 else 3 end" %}

with published as (select * from {{ ref('int_national_published') }}),

catalogue as (

    select measure_id from {{ ref('national_measure_catalogue') }}

),

best_status as (

    select period_month, min({{ rank_of.format('status') }}) as status_rank
    from published
    group by period_month

)

select published.*
from published
inner join best_status
    on best_status.period_month = published.period_month
    and best_status.status_rank = {{ rank_of.format('published.status') }}
inner join catalogue
    on catalogue.measure_id = published.measure_id
-- England and the national breakdowns (pipelines/national/breakdowns.yml)
where published.breakdown in ('England', '{{ national_breakdown_names() | join("', '") }}')
