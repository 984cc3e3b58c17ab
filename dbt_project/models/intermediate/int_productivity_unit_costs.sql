-- Unit costs that weight activity in the productivity output: cost per
-- unit of activity of each category over a whole link period, provider-wide
-- (every locality of the provider is valued at the same unit costs).
-- Grain: provider x link_period x activity_type x category_code.
--   unit_cost_gbp = sum of the category's cost / sum of its quantity over the
--   months of the link period (link period 0 = the base period).
-- Categories with no activity in the period get no unit cost.
select
    provider_code,
    link_period,
    activity_type,
    category_code,
    count(distinct period_start) as months,
    sum(quantity) as quantity,
    sum(cost_gbp) as cost_gbp,
    sum(cost_gbp) / sum(quantity) as unit_cost_gbp
from {{ ref('int_productivity_activity') }}
group by provider_code, link_period, activity_type, category_code
having sum(quantity) > 0
