-- Funnel plots of unwarranted variation between units of a provider: one row
-- per metric x provider x level (locality, ward, team) x unit x bed-type group
-- x period ('month' = the provider's latest month, 'rolling_12m' = the 12
-- months ending with it), with the unit's value, the provider's pooled
-- (overall) value and 95% / 99.8% control limits around it for the unit's
-- denominator:
--   binomial (percentages): p +/- z sqrt(p (1 - p) / n), in percent, clamped 0-100;
--   poisson (rates per unit of exposure): r +/- z sqrt(r / n), normal
--       approximation;
--   normal (means): m +/- z sd / sqrt(n), sd = standard deviation of the
--       individual values across the provider (mean LOS only; see
--       int_funnel_los_sd).
-- Lower limits are clamped at 0 (no funnel metric can be negative).
-- See docs/spc-and-funnels.md for the choices.
-- The method of each metric is its funnel in pipelines/metrics/metrics.yml (binomial
-- for percentages of trials, poisson for rates per unit of exposure, normal for a mean
-- with a spread of individual values); metrics without one (counts, costs per unit,
-- medians, indices, percentages of money such as agency_pay_pct) have no funnel,
-- except a count row that carries an exposure denominator (poisson).
{% set levels = ['locality', 'ward', 'team'] %}
{#- one metric's figure for a provider in one period -#}
{% set provider_keys = ['metric_id', 'provider_code', 'bed_type_group', 'period_type', 'period_start'] %}

with monthly as (

    select
        metric_values.metric_id,
        metric_values.provider_code,
        metric_values.level,
        metric_values.unit_code,
        metric_values.unit_name,
        metric_values.bed_type_group,
        metric_values.period_start,
        metric_values.numerator,
        metric_values.denominator,
        case
            {%- for method in ['binomial', 'poisson', 'normal'] %}
            when metric_values.metric_id in {{ metric_id_list('funnel_' ~ method) }}
                then '{{ method }}'
            {%- endfor %}
            -- a count that comes with an exposure denominator on its row
            when catalogue.value_kind = 'count' and catalogue.unit in ('count', 'people', 'days')
                and metric_values.denominator is not null then 'poisson'
        end as method,
        case when catalogue.unit = 'percent' then 100.0 else 1.0 end as scale
    from {{ ref('int_metric_values') }} as metric_values
    inner join {{ ref('metric_catalogue') }} as catalogue
        on catalogue.metric_id = metric_values.metric_id
    where metric_values.period_type = 'month'
      -- an unfinished period (30-day readmission of the newest months) is biased low:
      -- left out, as it is from the SPC limits
      and metric_values.is_complete
      and metric_values.level in ('provider', '{{ levels | join("', '") }}')

),

in_period as (

    select
        periods.period_type,
        periods.period_start,
        periods.window_start,
        monthly.metric_id,
        monthly.provider_code,
        monthly.level,
        monthly.unit_code,
        monthly.unit_name,
        monthly.bed_type_group,
        monthly.period_start as month_start,
        monthly.numerator,
        monthly.denominator,
        monthly.method,
        monthly.scale
    from monthly
    inner join {{ ref('int_funnel_periods') }} as periods
        on periods.provider_code = monthly.provider_code
        and monthly.period_start >= periods.window_start
        and monthly.period_start <= periods.period_start
    where monthly.method is not null

),

units as (

    select
        metric_id,
        provider_code,
        level,
        unit_code,
        -- the name in the latest month of the period
        max(case when month_start = period_start then unit_name end) as latest_unit_name,
        max(unit_name) as any_unit_name,
        bed_type_group,
        period_type,
        period_start,
        window_start,
        max(method) as method,
        max(scale) as scale,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from in_period
    where level <> 'provider'
    group by metric_id, provider_code, level, unit_code, bed_type_group,
             period_type, period_start, window_start

),

provider_overall as (

    select
        metric_id,
        provider_code,
        bed_type_group,
        period_type,
        period_start,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from in_period
    where level = 'provider'
    group by metric_id, provider_code, bed_type_group, period_type, period_start

),

level_pooled as (

    -- fallback when the provider-level row is missing: the level's units pooled
    select
        metric_id,
        provider_code,
        level,
        bed_type_group,
        period_type,
        period_start,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from units
    group by metric_id, provider_code, level, bed_type_group, period_type, period_start

),

with_overall as (

    select
        units.*,
        coalesce(provider_overall.numerator, level_pooled.numerator) as overall_numerator,
        coalesce(provider_overall.denominator, level_pooled.denominator) as overall_denominator,
        spread.sd_los_days as overall_sd
    from units
    left join provider_overall
        on {{ same_keys('provider_overall', 'units', provider_keys) }}
    left join level_pooled
        on {{ same_keys('level_pooled', 'units', provider_keys + ['level']) }}
    left join {{ ref('int_funnel_los_sd') }} as spread
        on {{ same_keys('spread', 'units', provider_keys) }}
    where units.denominator > 0

),

centred as (

    select
        with_overall.*,
        numerator / denominator as unit_rate,
        overall_numerator / nullif(overall_denominator, 0) as centre
    from with_overall

),

spread_of_unit as (

    -- standard error of a unit of this denominator under the overall value
    select
        centred.*,
        case
            when centre is null then null
            when method = 'binomial' then sqrt(
                case when centre * (1 - centre) > 0 then centre * (1 - centre) else 0 end
                / denominator)
            when method = 'poisson' then sqrt(
                case when centre > 0 then centre else 0 end / denominator)
            when method = 'normal' then overall_sd / sqrt(denominator)
        end as standard_error
    from centred

),

limits as (

    select
        spread_of_unit.*,
        {%- for level in ['95', '998'] %}
        scale * (centre - {{ funnel_z(level) }} * standard_error) as raw_lower_{{ level }},
        scale * (centre + {{ funnel_z(level) }} * standard_error) as raw_upper_{{ level }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from spread_of_unit

),

clamped as (

    select
        limits.*,
        {%- for level in ['95', '998'] %}
        case
            -- every metric in a funnel (percentages, rates, mean days) is non-negative
            when raw_lower_{{ level }} < 0 then 0.0
            else raw_lower_{{ level }}
        end as lower_{{ level }},
        case
            when method = 'binomial' and raw_upper_{{ level }} > 100 then 100.0
            else raw_upper_{{ level }}
        end as upper_{{ level }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from limits

)

select
    metric_id,
    provider_code,
    level,
    unit_code,
    coalesce(latest_unit_name, any_unit_name) as unit_name,
    bed_type_group,
    period_type,
    period_start,
    window_start,
    numerator,
    denominator,
    scale * unit_rate as value,
    overall_numerator,
    overall_denominator,
    scale * centre as overall_value,
    overall_sd,
    lower_95,
    upper_95,
    lower_998,
    upper_998,
    case
        when lower_95 is null or upper_95 is null then null
        else scale * unit_rate < lower_95 or scale * unit_rate > upper_95
    end as outside_95,
    case
        when lower_998 is null or upper_998 is null then null
        else scale * unit_rate < lower_998 or scale * unit_rate > upper_998
    end as outside_998,
    method
from clamped
