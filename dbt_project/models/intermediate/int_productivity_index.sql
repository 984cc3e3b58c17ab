-- Productivity index per provider and locality, monthly and rolling 12
-- months. Grain: provider x level x unit_code x period_type x period_start.
-- Method (docs/costing-and-productivity.md has the worked example):
--   Output index OI (cost-weighted activity, Laspeyres, annually chain-linked
--   like the ONS public service productivity series): with V_t(w) = sum over
--   categories of quantity in month t x unit cost of link period w, and
--   A_p = mean over the months of link period p of V_m(p):
--     base months (p = 0): OI_t = 100 x V_t(0) / A_0
--     later (p >= 1)     : OI_t = C_(p-1) x V_t(p-1) / A_(p-1)
--   where C_p = mean OI over link period p = 100 x product over j = 1..p of
--   [mean over link j of V_m(j-1)] / A_(j-1) (so C_0 = 100).
--   Input index II: real input R_t = nominal cost x mean base deflator /
--   deflator of month t; II_t = 100 x R_t / mean over base months of R.
--   Productivity index PI_t = 100 x OI_t / II_t (base period averages ~100).
--   Quality adjustment: the inpatient (bed-day) part of the valued output is
--   scaled by q_t = 0.5 x (1 - r_t) / (1 - r_0) + 0.5 x f_t / f_0 (r =
--   emergency readmission within 30 days rate, f = 72-hour follow-up rate,
--   _0 = pooled over the base months; a component is 1 when its rate cannot
--   be computed); OI^Q_t = OI_t x (V_t - IP_t + IP_t x q_t) / V_t.
--   Unfinished readmission windows (int_productivity_periods.readmission_window_complete
--   false: the newest month(s), whose discharges cannot yet have had 30 days to be
--   readmitted) are kept out of the quality adjustment: they are left out of the
--   base rate r_0, and a month whose window is unfinished uses the rate of the unit's
--   latest complete month instead of its own (readmission_rate_month says which;
--   quality_adjustment_complete is false on such a month and on every rolling window
--   containing one, so those figures are provisional).
--   Rolling 12 months (windows of 12 consecutive submitted months ending in
--   period_start): means of the monthly indices over the window, PI = 100 x
--   mean OI / mean II; money columns are 12-month sums.
with unit_months as (

    select
        unit_months.*,
        periods.readmission_window_complete
    from {{ ref('int_productivity_unit_months') }} as unit_months
    inner join {{ ref('int_productivity_periods') }} as periods
        on {{ same_keys('periods', 'unit_months', ['provider_code', 'period_start']) }}

),

last_complete_readmission as (

    -- each unit's latest month whose readmission windows have all closed
    select provider_code, level, unit_code, max(period_start) as period_start
    from unit_months
    where readmission_window_complete
    group by provider_code, level, unit_code

),

readmission_used as (

    -- the readmission counts the quality factor uses: the month's own when its
    -- windows have closed, else those of the unit's latest complete month
    select
        m.provider_code,
        m.level,
        m.unit_code,
        m.period_start,
        m.readmission_window_complete,
        case when m.readmission_window_complete then m.period_start
             else last_complete.period_start end as readmission_rate_month,
        case when m.readmission_window_complete then m.readmitted_discharges
             else carried.readmitted_discharges end as readmitted_discharges,
        case when m.readmission_window_complete then m.readmission_index_discharges
             else carried.readmission_index_discharges end as readmission_index_discharges
    from unit_months as m
    left join last_complete_readmission as last_complete
        on {{ same_keys('last_complete', 'm', ['provider_code', 'level', 'unit_code']) }}
    left join unit_months as carried
        on {{ same_keys('carried', 'm', ['provider_code', 'level', 'unit_code']) }}
        and carried.period_start = last_complete.period_start

),

link_means as (

    select
        provider_code,
        level,
        unit_code,
        link_period,
        avg(output_own_prices_gbp) as mean_output_own,
        avg(output_prev_prices_gbp) as mean_output_prev
    from unit_months
    group by provider_code, level, unit_code, link_period

),

link_growth as (

    select
        cur.*,
        case
            when cur.link_period = 0 then 1.0
            when prior.mean_output_own > 0 and cur.mean_output_prev > 0
                then cur.mean_output_prev / prior.mean_output_own
        end as link_growth
    from link_means as cur
    left join link_means as prior
        on {{ same_keys('prior', 'cur', ['provider_code', 'level', 'unit_code']) }}
        and prior.link_period = cur.link_period - 1

),

chained as (

    select
        link_growth.*,
        sum(case when link_growth > 0 then ln(link_growth) else 0 end) over (
            partition by provider_code, level, unit_code
            order by link_period
            rows between unbounded preceding and current row
        ) as log_chain,
        sum(case when link_growth > 0 then 0 else 1 end) over (
            partition by provider_code, level, unit_code
            order by link_period
            rows between unbounded preceding and current row
        ) as broken_links
    from link_growth

),

link_levels as (

    select
        chained.*,
        case when broken_links = 0 then 100.0 * exp(log_chain) end as link_mean_index
    from chained

),

base as (

    select
        provider_code,
        level,
        unit_code,
        avg(output_own_prices_gbp) as base_output_gbp,
        avg(deflator_index) as base_deflator_index,
        count(deflator_index) as base_deflated_months,
        count(*) as base_months,
        -- unfinished readmission windows are left out of the base rate
        sum(case when readmission_window_complete then readmitted_discharges else 0 end)
            as base_readmitted,
        sum(case when readmission_window_complete then readmission_index_discharges else 0 end)
            as base_readmission_index,
        sum(followed_up_discharges) as base_followed_up,
        sum(followup_eligible_discharges) as base_followup_eligible
    from unit_months
    where link_period = 0
    group by provider_code, level, unit_code

),

real_input as (

    select
        unit_months.*,
        case
            when base.base_deflated_months = base.base_months
                then unit_months.input_cost_gbp * base.base_deflator_index
                    / nullif(unit_months.deflator_index, 0)
        end as input_real_gbp
    from unit_months
    inner join base
        on {{ same_keys('base', 'unit_months', ['provider_code', 'level', 'unit_code']) }}

),

base_input as (

    select
        provider_code,
        level,
        unit_code,
        case when count(input_real_gbp) = count(*) then avg(input_real_gbp) end
            as base_input_real_gbp
    from real_input
    where link_period = 0
    group by provider_code, level, unit_code

),

monthly_parts as (

    select
        m.provider_code,
        m.level,
        m.unit_code,
        m.period_start,
        m.base_period_start,
        m.base_period_end,
        m.link_period,
        m.deflator_series,
        m.deflator_index,
        m.input_cost_gbp,
        m.input_real_gbp,
        base.base_output_gbp,
        base_input.base_input_real_gbp,
        case when m.link_period = 0 then m.output_own_prices_gbp
             else m.output_prev_prices_gbp end as output_weighted_gbp,
        case when m.link_period = 0 then m.inpatient_own_prices_gbp
             else m.inpatient_prev_prices_gbp end as inpatient_weighted_gbp,
        case when m.link_period = 0 then 100.0 else prior.link_mean_index end
            as link_start_index,
        case when m.link_period = 0 then base.base_output_gbp
             else prior.mean_output_own end as link_reference_gbp,
        readmission.readmission_rate_month,
        readmission.readmission_window_complete as quality_adjustment_complete,
        -- quality components (1 when a rate cannot be computed)
        case
            when readmission.readmission_index_discharges > 0
                and base.base_readmission_index > 0
                and base.base_readmitted < base.base_readmission_index
                then (1.0 - cast(readmission.readmitted_discharges as double)
                        / readmission.readmission_index_discharges)
                    / (1.0 - cast(base.base_readmitted as double) / base.base_readmission_index)
            else 1.0
        end as readmission_component,
        case
            when m.followup_eligible_discharges > 0 and base.base_followed_up > 0
                then (cast(m.followed_up_discharges as double) / m.followup_eligible_discharges)
                    / (cast(base.base_followed_up as double) / base.base_followup_eligible)
            else 1.0
        end as followup_component
    from real_input as m
    inner join base
        on {{ same_keys('base', 'm', ['provider_code', 'level', 'unit_code']) }}
    left join base_input
        on {{ same_keys('base_input', 'm', ['provider_code', 'level', 'unit_code']) }}
    left join link_levels as prior
        on {{ same_keys('prior', 'm', ['provider_code', 'level', 'unit_code']) }}
        and prior.link_period = m.link_period - 1
    inner join readmission_used as readmission
        on {{ same_keys('readmission', 'm', ['provider_code', 'level', 'unit_code', 'period_start']) }}

),

monthly_index as (

    select
        monthly_parts.*,
        0.5 * readmission_component + 0.5 * followup_component as quality_factor,
        link_start_index * output_weighted_gbp / nullif(link_reference_gbp, 0) as output_index,
        100.0 * input_real_gbp / nullif(base_input_real_gbp, 0) as input_index
    from monthly_parts

),

monthly as (

    select
        monthly_index.*,
        output_index
            * (output_weighted_gbp - inpatient_weighted_gbp
               + inpatient_weighted_gbp * quality_factor)
            / nullif(output_weighted_gbp, 0) as output_index_quality_adjusted
    from monthly_index

),

monthly_rows as (

    select
        provider_code,
        level,
        unit_code,
        'month' as period_type,
        period_start,
        1 as months_in_period,
        base_period_start,
        base_period_end,
        link_period,
        deflator_series,
        deflator_index,
        output_index * base_output_gbp / 100.0 as output_value_gbp,
        base_output_gbp,
        output_index,
        input_cost_gbp,
        input_real_gbp,
        base_input_real_gbp,
        input_index,
        100.0 * output_index / nullif(input_index, 0) as productivity_index,
        quality_factor,
        output_index_quality_adjusted,
        100.0 * output_index_quality_adjusted / nullif(input_index, 0)
            as productivity_index_quality_adjusted,
        readmission_rate_month,
        quality_adjustment_complete
    from monthly

),

window_ends as (

    select distinct provider_code, level, unit_code, period_start, link_period
    from monthly_rows

),

rolling as (

    select
        e.provider_code,
        e.level,
        e.unit_code,
        'rolling_12m' as period_type,
        e.period_start,
        count(*) as months_in_period,
        max(w.base_period_start) as base_period_start,
        max(w.base_period_end) as base_period_end,
        e.link_period,
        max(w.deflator_series) as deflator_series,
        cast(null as double) as deflator_index,
        sum(w.output_value_gbp) as output_value_gbp,
        max(w.base_output_gbp) as base_output_gbp,
        avg(w.output_index) as output_index,
        sum(w.input_cost_gbp) as input_cost_gbp,
        sum(w.input_real_gbp) as input_real_gbp,
        max(w.base_input_real_gbp) as base_input_real_gbp,
        avg(w.input_index) as input_index,
        100.0 * avg(w.output_index) / nullif(avg(w.input_index), 0) as productivity_index,
        cast(null as double) as quality_factor,
        avg(w.output_index_quality_adjusted) as output_index_quality_adjusted,
        100.0 * avg(w.output_index_quality_adjusted) / nullif(avg(w.input_index), 0)
            as productivity_index_quality_adjusted,
        cast(null as date) as readmission_rate_month,
        min(case when w.quality_adjustment_complete then 1 else 0 end) = 1
            as quality_adjustment_complete
    from window_ends as e
    inner join monthly_rows as w
        on {{ same_keys('w', 'e', ['provider_code', 'level', 'unit_code']) }}
        and w.period_start <= e.period_start
        and w.period_start >= cast({{ dbt.dateadd('month', -11, 'e.period_start') }} as date)
    group by e.provider_code, e.level, e.unit_code, e.period_start, e.link_period
    having count(*) = 12
       and count(w.output_index) = 12
       and count(w.input_index) = 12
       and count(w.output_index_quality_adjusted) = 12

)

select * from monthly_rows
union all
select * from rolling
