-- The national publication as the reconciliation and peer comparison use it: for each
-- reporting month, the rows of the most final status published (Performance, else
-- Provisional), at the national breakdowns, for the measures we compute.
with published as (

    select * from {{ ref('int_national_published') }}

),

catalogue as (

    select measure_id from {{ ref('national_measure_catalogue') }}

),

best_status as (

    select
        period_month,
        min(case when status = 'Performance' then 1 else 2 end) as status_rank
    from published
    group by period_month

)

select published.*
from published
inner join best_status
    on best_status.period_month = published.period_month
    and best_status.status_rank = case when published.status = 'Performance' then 1 else 2 end
inner join catalogue
    on catalogue.measure_id = published.measure_id
where published.breakdown in (
    'England', 'Provider', 'Provider of Responsibility', 'Receiving Provider', 'Sending Provider'
)
