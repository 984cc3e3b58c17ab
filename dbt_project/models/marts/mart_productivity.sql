-- Productivity per provider and locality, monthly and rolling 12 months:
-- output index (cost-weighted activity, chain-linked), input index (cost
-- deflated to base-period prices), productivity index (= 100 x output /
-- input) and its quality-adjusted variant. Base period = 100.
-- Method and worked example: docs/costing-and-productivity.md.
-- Grain: provider x level x unit_code x period_type x period_start.
-- The quality adjustment never uses an unfinished 30-day readmission window:
-- such a month carries the unit's latest complete rate (readmission_rate_month)
-- and is marked quality_adjustment_complete = false (int_productivity_index).
select
    provider_code,
    level,
    unit_code,
    unit_code as unit_name,
    period_type,
    period_start,
    months_in_period as period_months,
    base_period_start,
    base_period_end,
    link_period as period_link,
    output_value_gbp,
    base_output_gbp,
    output_index,
    input_cost_gbp,
    deflator_series,
    deflator_index,
    input_real_gbp,
    base_input_real_gbp,
    input_index,
    productivity_index,
    quality_factor,
    output_index_quality_adjusted,
    productivity_index_quality_adjusted,
    readmission_rate_month,
    quality_adjustment_complete
from {{ ref('int_productivity_index') }}
