-- Inappropriate out-of-area placements by month: bed days clipped to the
-- month (open placements run to month end + 1), started, ended and active
-- at month end, and cost where the daily price is known.
select
    placements.provider_code,
    placements.placement_id,
    placements.source,
    placements.locality,
    placements.bed_type,
    placements.is_adult_acute,
    months.period_start,
    greatest({{ clipped_days('placements.start_date', 'placements.end_excl',
                             'months.period_start', 'months.next_period_start') }}, 0)
        as oap_bed_days,
    case when placements.start_date >= months.period_start
          and placements.start_date <= months.period_end then 1 else 0 end as started,
    case when placements.end_date >= months.period_start
          and placements.end_date <= months.period_end then 1 else 0 end as ended,
    case when placements.start_date <= months.period_end
          and placements.end_excl > months.period_end then 1 else 0 end as active_at_end,
    placements.daily_cost_gbp,
    placements.daily_cost_gbp
        * greatest({{ clipped_days('placements.start_date', 'placements.end_excl',
                                   'months.period_start', 'months.next_period_start') }}, 0)
        as oap_cost_gbp
from {{ ref('int_oap_placements') }} as placements
inner join {{ ref('int_provider_months') }} as months
    on months.provider_code = placements.provider_code
    and placements.start_date <= months.period_end
    and placements.end_excl >= months.period_start
