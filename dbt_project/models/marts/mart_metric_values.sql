-- Every metric value, published as metric_values: the assembly (zero-fill, quarter
-- and rolling windows, cost and productivity rows, is_complete) is int_metric_values,
-- driven by the metric definitions of pipelines/metrics/metrics.yml.
select * from {{ ref('int_metric_values') }}
