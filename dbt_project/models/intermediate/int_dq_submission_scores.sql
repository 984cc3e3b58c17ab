-- Data-quality score of each MHSDS submission (provider x month), in the
-- spirit of NHS England's Data Quality Maturity Index (DQMI): the mean over
-- the fixed list of MHSDS items (int_dq_fields where in_dq_score) of
-- completeness x validity, x 100. An item counts when its table's file for
-- the month has rows the item applies to; a table whose only delivery was
-- rejected counts all its items as 0. docs/data-quality.md has the formula.
with items as (

    select * from {{ ref('int_dq_fields') }}
    where in_dq_score and is_scored

),

files as (

    select distinct provider_code, period_start, table_name, file_status, rows_in
    from {{ ref('int_dq_fields') }}
    where in_dq_score

),

file_totals as (

    select
        provider_code,
        period_start,
        sum(case when file_status = 'loaded' then rows_in else 0 end) as rows_in,
        sum(case when file_status = 'rejected' then 1 else 0 end) as files_rejected
    from files
    group by provider_code, period_start

),

scores as (

    select
        provider_code,
        period_start,
        count(*) as items_scored,
        sum(item_score) as item_score_sum
    from items
    group by provider_code, period_start

)

select
    scores.provider_code,
    scores.period_start,
    scores.items_scored,
    scores.item_score_sum,
    100.0 * scores.item_score_sum / scores.items_scored as dq_score,
    file_totals.rows_in,
    file_totals.files_rejected
from scores
inner join file_totals
    on {{ same_keys('file_totals', 'scores', ['provider_code', 'period_start']) }}
