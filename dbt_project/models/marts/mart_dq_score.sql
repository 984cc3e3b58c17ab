-- The data-quality score of each MHSDS submission (provider x month), to
-- join beside any metric: mart_metric_values.provider_code = provider_code
-- and mart_metric_values.period_start = period_start (period_type 'month';
-- for quarters and rolling 12 months average the months of the window).
-- Formula: docs/data-quality.md.
select
    provider_code,
    period_start,
    dq_score,
    items_scored,
    cast(files_rejected as bigint) as files_rejected
from {{ ref('int_dq_submission_scores') }}
