"""The analyst views of the published file: their SQL and descriptions.

Views with plain names that join each metric value to its name, unit of measure, better
direction, target and the provider's data-quality score: ``data_quality_scores``,
``latest_values``, ``monthly_trend``, ``locality_comparison`` and, when an ``spc`` table
is published, ``spc_latest``. The columns they read are those of the published tables'
dbt contracts (pipelines/publish/contracts.py; tests/publish/test_contracts.py checks
it), so nothing here looks at what columns a file happens to have.

The SQL is kept to what duckdb 1.5 clients (BI drivers) can bind: plain joins,
``row_number``/``rank``/``lag`` windows, scalar subqueries. Views read only the published
tables (already disclosure-controlled), by unqualified name, so they work whether the
file is opened directly or ATTACHed under another name.
"""

from dataclasses import dataclass

# Key of one metric series in metric_values (every period of one metric for one unit).
SERIES = "metric_id, period_type, provider_code, level, unit_code, bed_type_group"
# The columns the views read from each published table (all in its contract).
METRIC_VALUE_COLUMNS = {
    "metric_id", "period_start", "period_type", "provider_code", "level", "unit_code",
    "unit_name", "bed_type_group", "numerator", "denominator", "value", "suppressed",
}
SPC_COLUMNS = {
    "metric_id", "provider_code", "level", "unit_code", "unit_name", "bed_type_group",
    "period_start", "value", "mean", "lower_process_limit", "upper_process_limit",
    "special_cause", "point_type", "variation_icon", "assurance_icon",
}
DATA_QUALITY_COLUMNS = {"provider_code", "period_start", "measure", "value"}
# Catalogue (seed) columns shown beside every value in the views.
CATALOGUE_FIELDS = [
    "metric_name", "domain", "unit", "better_direction", "target_value", "target_type",
]
CATALOGUE_SELECT = ",\n    ".join(f"c.{name}" for name in CATALOGUE_FIELDS)

@dataclass(frozen=True)
class View:
    name: str
    description: str
    sql: str
    inherit: tuple[str, ...]  # tables whose column comments the view's columns reuse



def _dq_source(tables: set[str]) -> tuple[str, str]:
    """SQL and a description of where data_quality_scores reads the score from."""
    if "data_quality" in tables:
        return ("select provider_code, period_start, avg(value) as dq_score\n"
                "from data_quality\nwhere measure = 'dq_score'\n"
                "group by provider_code, period_start",
                "the data_quality rows with measure = 'dq_score'")
    return ("select cast(null as varchar) as provider_code, cast(null as date) as "
            "period_start,\n       cast(null as double) as dq_score\nlimit 0",
            "nothing: no data_quality table is published in this file, so it is empty")


# The provider's data-quality score for a metric row's period: the month itself, the three
# months of a quarter, or the twelve months ending with a rolling_12m period_start.
DQ_FOR_ROW = """(select avg(d.dq_score) from data_quality_scores as d
     where d.provider_code = {a}.provider_code
       and d.period_start >= case when {a}.period_type = 'rolling_12m'
           then cast({a}.period_start - interval 11 month as date) else {a}.period_start end
       and d.period_start <= case when {a}.period_type = 'quarter'
           then cast({a}.period_start + interval 2 month as date) else {a}.period_start end
    ) as dq_score"""


def build_views(tables: set[str]) -> tuple[list[View], dict[str, str]]:
    """The views of a file with these published tables; and why others are not there
    (an optional table, spc or data_quality, not published)."""
    views: list[View] = []
    skipped: dict[str, str] = {}
    dq_sql, dq_from = _dq_source(tables)
    views.append(View(
        "data_quality_scores",
        "Data-quality score (0-100) of each provider's monthly MHSDS submission: one row "
        f"per provider_code and period_start. Read from {dq_from}. The other views show "
        "it beside each value as dq_score.",
        dq_sql, ("data_quality",)))
    cat = CATALOGUE_SELECT

    views.append(View(
        "latest_values",
        "The latest value of every metric series: one row per metric, period_type, "
        "provider, level (provider, locality, ward, team), unit and bed-type group, "
        "with the metric's name, unit of measure, better direction, target and the "
        "provider's data-quality score. in_latest_period says whether the series is "
        "current. Filter period_type = 'month' for the latest month.",
        f"""select
    m.metric_id,
    {cat},
    m.period_type, m.period_start, m.provider_code, m.level, m.unit_code, m.unit_name,
    m.bed_type_group, m.numerator, m.denominator, m.value, m.suppressed,
    m.period_start = p.latest_period_start as in_latest_period,
    {DQ_FOR_ROW.format(a="m")}
from (
    select *, row_number() over (
        partition by {SERIES} order by period_start desc) as series_row
    from metric_values
) as m
left join (
    select provider_code, period_type, max(period_start) as latest_period_start
    from metric_values
    group by provider_code, period_type
) as p on p.provider_code = m.provider_code and p.period_type = m.period_type
left join metric_catalogue as c on c.metric_id = m.metric_id
where m.series_row = 1""",
        ("metric_values", "metric_catalogue")))

    trend_window = ("over (partition by m.metric_id, m.provider_code, m.level, m.unit_code, "
                    "m.bed_type_group order by m.period_start)")
    views.append(View(
        "monthly_trend",
        "Every monthly value (period_type = 'month') with the metric's name, unit of "
        "measure, better direction and target, the previous month's value and the "
        "change, and the provider's data-quality score for the month. One row per "
        "metric, provider, level, unit, bed-type group and month.",
        f"""select
    m.metric_id,
    {cat},
    m.provider_code, m.level, m.unit_code, m.unit_name, m.bed_type_group,
    m.period_start, m.numerator, m.denominator, m.value, m.suppressed,
    lag(m.period_start) {trend_window} as previous_period_start,
    lag(m.value) {trend_window} as previous_value,
    m.value - lag(m.value) {trend_window} as change_from_previous,
    d.dq_score
from metric_values as m
left join metric_catalogue as c on c.metric_id = m.metric_id
left join data_quality_scores as d
    on d.provider_code = m.provider_code and d.period_start = m.period_start
where m.period_type = 'month'""",
        ("metric_values", "metric_catalogue")))

    rank_window = ("over (partition by m.metric_id, m.provider_code, m.period_type, "
                   "m.bed_type_group")
    views.append(View(
        "locality_comparison",
        "Localities side by side for each provider's latest period of each period_type "
        "(latest month, latest quarter, latest rolling 12 months): the locality's value, "
        "the provider's value for the same metric and bed-type group, the difference, "
        "ranks within the provider, names, units, direction and data-quality score.",
        f"""select
    m.metric_id,
    {cat},
    m.provider_code, m.period_type, m.period_start, m.bed_type_group,
    m.unit_code as locality, m.unit_name as locality_name,
    m.numerator, m.denominator, m.value, m.suppressed,
    p.value as provider_value,
    m.value - p.value as difference_from_provider,
    rank() {rank_window} order by m.value desc nulls last) as rank_highest_first,
    case when c.better_direction in ('higher', 'lower') and m.value is not null
        then rank() {rank_window}
            order by case when c.better_direction = 'lower' then m.value
                          else -m.value end asc nulls last)
    end as rank_best_first,
    {DQ_FOR_ROW.format(a="m")}
from metric_values as m
join (
    select provider_code, period_type, max(period_start) as latest_period_start
    from metric_values
    group by provider_code, period_type
) as l on l.provider_code = m.provider_code and l.period_type = m.period_type
    and l.latest_period_start = m.period_start
left join metric_values as p
    on p.level = 'provider' and p.metric_id = m.metric_id
    and p.provider_code = m.provider_code and p.period_type = m.period_type
    and p.period_start = m.period_start
    and p.bed_type_group is not distinct from m.bed_type_group
left join metric_catalogue as c on c.metric_id = m.metric_id
where m.level = 'locality'""",
        ("metric_values", "metric_catalogue")))

    if "spc" not in tables:
        skipped["spc_latest"] = "no spc table is published"
    else:
        series = "partition by metric_id, provider_code, level, unit_code, bed_type_group"
        views.append(View(
            "spc_latest",
            "The latest point of every SPC (XmR) chart: one row per metric, provider, "
            "level, unit and bed-type group, with the Making Data Count variation and "
            "assurance icons, the process limits, how many points of the series were "
            "special cause, the metric's name, unit and direction, and the provider's "
            "data-quality score for the month.",
            f"""select
    s.metric_id,
    {cat},
    s.provider_code, s.level, s.unit_code, s.unit_name, s.bed_type_group,
    s.period_start, s.value, s.mean, s.lower_process_limit, s.upper_process_limit,
    s.special_cause, s.point_type, s.variation_icon, s.assurance_icon,
    s.special_cause_points, s.points_in_series,
    d.dq_score
from (
    select *,
        row_number() over ({series} order by period_start desc) as series_row,
        sum(case when special_cause then 1 else 0 end) over ({series})
            as special_cause_points,
        count(*) over ({series}) as points_in_series
    from spc
) as s
left join metric_catalogue as c on c.metric_id = s.metric_id
left join data_quality_scores as d
    on d.provider_code = s.provider_code and d.period_start = s.period_start
where s.series_row = 1""",
            ("spc", "metric_values", "metric_catalogue")))
    return views, skipped
