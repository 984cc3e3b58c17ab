"""The analyst surface of the published file: friendly views and COMMENT ON everything.

Called by ``build.build_database`` once every table of the new file is written (see
docs/sql-guide.md). Adds, in schema ``main`` of the file being built:

* views with plain names that join each metric value to its name, unit of measure,
  better direction, target and the provider's data-quality score:
  ``data_quality_scores``, ``latest_values``, ``monthly_trend``,
  ``locality_comparison`` and (when an ``spc`` table with the SPC columns is
  published) ``spc_latest``. Each view is created only if the tables and columns it
  reads exist, so a missing optional mart never blocks a publication;
* a comment on every table, view and column: dbt model descriptions (read from the
  YAML files under dbt_project/models and dbt_project/seeds) for the source model of
  each published table, the metric catalogue's text (dbt_project/seeds/
  metric_catalogue.csv, read from the copy just published as ``metric_catalogue``)
  for columns that are metrics, and the publisher's own text for the columns it adds
  (``suppressed``, ``publish_log``).

The view SQL is kept to what duckdb 1.5 clients (BI drivers) can bind: plain joins,
``row_number``/``rank``/``lag`` windows, scalar subqueries. Views read only the
published tables (already disclosure-controlled), by unqualified name, so they work
whether the file is opened directly or ATTACHed under another name.
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from pipelines.config import DBT_PROJECT_DIR
from pipelines.publish.disclosure import q
from pipelines.publish.tables import ANALYST_VIEWS, PUBLISH_LOG, SOURCES

log = logging.getLogger(__name__)

# Key of one metric series in metric_values (every period of one metric for one unit).
SERIES = "metric_id, period_type, provider_code, level, unit_code, bed_type_group"
METRIC_VALUE_COLUMNS = {
    "metric_id", "period_start", "period_type", "provider_code", "level", "unit_code",
    "unit_name", "bed_type_group", "numerator", "denominator", "value", "suppressed",
}
SPC_COLUMNS = {
    "metric_id", "provider_code", "level", "unit_code", "unit_name", "bed_type_group",
    "period_start", "value", "mean", "lower_process_limit", "upper_process_limit",
    "special_cause", "point_type", "variation_icon", "assurance_icon",
}
# Catalogue columns shown beside every value in the views, with their types if absent.
CATALOGUE_FIELDS = [
    ("metric_name", "varchar"), ("domain", "varchar"), ("unit", "varchar"),
    ("better_direction", "varchar"), ("target_value", "double"), ("target_type", "varchar"),
]

SUPPRESSED_TEXT = (
    "True where disclosure control withheld this row's figures (public mode: a count "
    "under 5, a ratio whose numerator or denominator is under 5, or a mean or median "
    "whose count is under 5; see docs/publishing.md). Always false in internal mode."
)
PUBLISH_LOG_TEXT = {
    "": "One row describing this publication: which run wrote it, when, in which mode, "
        "the quality-gate summary, the raw files it was built from and rows per table. "
        "The history of publications is the versions/ folder, not this table.",
    "run_id": "Dagster run id of the pipeline run that published this file.",
    "version_id": "Id of this publication (versions/<version_id>/ on disk); "
                  "UTC time plus the start of the run id.",
    "published_at": "When the file was published (UTC).",
    "publication_mode": "internal (exact figures) or public (small numbers suppressed "
                        "and rounded).",
    "gate_summary": "The quality gate's results as JSON text.",
    "source_manifest": "JSON list of {relpath, content_hash} of every raw file loaded.",
    "row_counts": "JSON object: rows per published table (views are not counted).",
    "storage_version": "DuckDB storage version the file was written with (readable by "
                       "duckdb 1.5 clients).",
    "writer_duckdb_version": "Version of the duckdb library that wrote the file.",
}

# Columns the views add (or rename); every other view column inherits the comment of the
# same column in the tables the view reads (see View.inherit).
VIEW_COLUMN_TEXT = {
    "dq_score": "Data-quality score (0-100, DQMI-style) of the provider's MHSDS "
                "submission for the month; for quarters and rolling 12 months the mean "
                "over the months of the period. Null when no score is published.",
    "in_latest_period": "True when period_start is the provider's latest period of this "
                        "period_type; false for a series that stopped earlier.",
    "previous_period_start": "period_start of the previous month in this series (the "
                             "month before unless a month is missing).",
    "previous_value": "value in the previous month of this series.",
    "change_from_previous": "value minus previous_value.",
    "locality": "Locality code (unit_code of the locality-level row).",
    "locality_name": "Locality display name.",
    "provider_value": "The same metric for the whole provider in the same period and "
                      "bed-type group.",
    "difference_from_provider": "value minus provider_value.",
    "rank_highest_first": "Rank of the locality within its provider by value, 1 = highest.",
    "rank_best_first": "Rank of the locality within its provider by value, 1 = best by the "
                       "catalogue's better_direction; null when neither direction is better "
                       "or the value is null.",
    "special_cause_points": "Number of points in the whole series flagged as special "
                            "cause (any rule).",
    "points_in_series": "Number of monthly points in the series.",
}


@dataclass(frozen=True)
class Doc:
    """A dbt node's description and its columns' descriptions."""

    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class SurfaceResult:
    views: list[str] = field(default_factory=list)
    skipped_views: dict[str, str] = field(default_factory=dict)  # view -> why
    comments: int = 0
    undocumented: list[str] = field(default_factory=list)  # "table.column" with generic text


def _clean(text: object) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def dbt_descriptions(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, Doc]:
    """Model and seed descriptions from the dbt project's YAML files, by node name."""
    docs: dict[str, Doc] = {}
    for sub in ("models", "seeds"):
        root = project_dir / sub
        if not root.is_dir():
            continue
        for path in sorted([*root.rglob("*.yml"), *root.rglob("*.yaml")]):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                log.warning("cannot read dbt descriptions from %s: %s", path, exc)
                continue
            for key in ("models", "seeds"):
                for node in data.get(key) or []:
                    if not isinstance(node, dict) or not node.get("name"):
                        continue
                    cols = {
                        str(c["name"]): _clean(c.get("description"))
                        for c in node.get("columns") or []
                        if isinstance(c, dict) and c.get("name") and c.get("description")
                    }
                    docs[str(node["name"])] = Doc(_clean(node.get("description")), cols)
    return docs


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'main' order by table_name, column_index",
        [database],
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, {})[column] = dtype
    return out


def _catalogue(con: duckdb.DuckDBPyConnection, database: str,
               cols: dict[str, dict[str, str]]) -> dict[str, tuple[str, str]]:
    """metric_id -> (metric_name, description) from the published catalogue."""
    have = cols.get("metric_catalogue", {})
    if not {"metric_id", "metric_name", "description"} <= set(have):
        return {}
    rows = con.execute(
        f"select metric_id, metric_name, description from {q(database)}.main.metric_catalogue"
    ).fetchall()
    return {str(m): (_clean(n), _clean(d)) for m, n, d in rows if m}


# ---------------------------------------------------------------------------- views


@dataclass(frozen=True)
class View:
    name: str
    description: str
    sql: str
    inherit: tuple[str, ...]  # tables whose column comments the view's columns reuse


def _catalogue_select(cat_cols: set[str]) -> str:
    return ",\n    ".join(
        f"c.{name}" if name in cat_cols else f"cast(null as {dtype}) as {name}"
        for name, dtype in CATALOGUE_FIELDS
    )


def _dq_source(cols: dict[str, dict[str, str]]) -> tuple[str, str]:
    """SQL and a description of where data_quality_scores reads the score from."""
    dq = cols.get("dq_score", {})
    if {"provider_code", "period_start", "dq_score"} <= set(dq):
        return ("select provider_code, period_start, avg(dq_score) as dq_score\n"
                "from dq_score\ngroup by provider_code, period_start",
                "the published dq_score table")
    dqa = cols.get("data_quality", {})
    if {"provider_code", "period_start", "measure", "value"} <= set(dqa):
        return ("select provider_code, period_start, avg(value) as dq_score\n"
                "from data_quality\nwhere measure = 'dq_score'\n"
                "group by provider_code, period_start",
                "the data_quality rows with measure = 'dq_score'")
    if {"provider_code", "period_start", "dq_score"} <= set(dqa):
        return ("select provider_code, period_start, avg(dq_score) as dq_score\n"
                "from data_quality\ngroup by provider_code, period_start",
                "the dq_score column of data_quality")
    return ("select cast(null as varchar) as provider_code, cast(null as date) as "
            "period_start,\n       cast(null as double) as dq_score\nlimit 0",
            "nothing: no data-quality score is published in this file, so it is empty")


# The provider's data-quality score for a metric row's period: the month itself, the three
# months of a quarter, or the twelve months ending with a rolling_12m period_start.
DQ_FOR_ROW = """(select avg(d.dq_score) from data_quality_scores as d
     where d.provider_code = {a}.provider_code
       and d.period_start >= case when {a}.period_type = 'rolling_12m'
           then cast({a}.period_start - interval 11 month as date) else {a}.period_start end
       and d.period_start <= case when {a}.period_type = 'quarter'
           then cast({a}.period_start + interval 2 month as date) else {a}.period_start end
    ) as dq_score"""


def build_views(cols: dict[str, dict[str, str]]) -> tuple[list[View], dict[str, str]]:
    """The views this file can have, given its tables' columns; and why others are not."""
    views: list[View] = []
    skipped: dict[str, str] = {}
    dq_sql, dq_from = _dq_source(cols)
    views.append(View(
        "data_quality_scores",
        "Data-quality score (0-100) of each provider's monthly MHSDS submission: one row "
        f"per provider_code and period_start. Read from {dq_from}. The other views show "
        "it beside each value as dq_score.",
        dq_sql, ("dq_score", "data_quality")))

    mv = set(cols.get("metric_values", {}))
    missing = METRIC_VALUE_COLUMNS - mv
    if missing:
        why = f"metric_values lacks {', '.join(sorted(missing))}"
        for name in ("latest_values", "monthly_trend", "locality_comparison", "spc_latest"):
            skipped[name] = why
        return views, skipped
    cat = _catalogue_select(set(cols.get("metric_catalogue", {})))

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

    spc = set(cols.get("spc", {}))
    missing = SPC_COLUMNS - spc
    if not spc:
        skipped["spc_latest"] = "no spc table is published"
    elif missing:
        skipped["spc_latest"] = f"spc lacks {', '.join(sorted(missing))}"
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


# ---------------------------------------------------------------------------- comments


def table_docs(
    cols: dict[str, dict[str, str]],
    catalogue: dict[str, tuple[str, str]],
    dbt: dict[str, Doc],
) -> dict[str, dict[str, str]]:
    """Comment text per published table: {"": table text, column: column text}."""
    sources = {s.published: s for s in SOURCES}
    seed_cat = dbt.get("metric_catalogue", Doc())
    out: dict[str, dict[str, str]] = {}
    for table, columns in cols.items():
        if table in ANALYST_VIEWS:
            continue
        texts: dict[str, str] = {}
        if table == PUBLISH_LOG:
            texts.update(PUBLISH_LOG_TEXT)
        source = sources.get(table)
        node = dbt.get(source.table, Doc()) if source else Doc()
        if source:
            where = f"{source.schema}.{source.table}"
            texts[""] = " ".join(p for p in (
                node.description,
                f"Published from the warehouse's {where} (dbt).",
                "Disclosure-controlled in public mode (see the suppressed column)."
                if source.disclosure and "suppressed" in columns else "",
            ) if p)
        for column in columns:
            if column in texts:
                continue
            text = node.columns.get(column, "")
            if not text and column == "suppressed":
                text = SUPPRESSED_TEXT
            if not text and column in seed_cat.columns and table != "metric_catalogue":
                text = f"From metric_catalogue: {seed_cat.columns[column]}"
            if column in catalogue and table != "metric_catalogue":
                name, definition = catalogue[column]
                metric = f"Metric {column} ({name}) in metric_catalogue: {definition}"
                text = f"{text} {metric}" if text else metric
            if text:
                texts[column] = text
        if table == "metric_values" and catalogue:
            texts[""] = (texts.get("", "") + f" Holds the metrics of metric_catalogue "
                         f"({len(catalogue)} defined there); metric_name, unit, domain, "
                         "better_direction and value_kind are copied from it.").strip()
        out[table] = texts
    return out


def _comment(con: duckdb.DuckDBPyConnection, kind: str, target: str, text: str) -> None:
    con.execute(f"comment on {kind} {target} is {_sql_text(text)}").fetchall()


def _apply_comments(
    con: duckdb.DuckDBPyConnection,
    cols: dict[str, dict[str, str]],
    docs: dict[str, dict[str, str]],
    views: Iterable[View],
    result: SurfaceResult,
) -> None:
    view_map = {v.name: v for v in views}
    for table, columns in cols.items():
        view = view_map.get(table)
        if view is None and table in ANALYST_VIEWS:
            continue
        texts = dict(docs.get(table, {}))
        if view is not None:
            texts = {"": view.description}
            for column in columns:
                text = VIEW_COLUMN_TEXT.get(column, "")
                for parent in view.inherit:
                    if text:
                        break
                    text = docs.get(parent, {}).get(column, "")
                if text:
                    texts[column] = text
        kind = "view" if view is not None else "table"
        _comment(con, kind, f"main.{q(table)}",
                 texts.get("") or f"Published {kind} {table}. See docs/sql-guide.md.")
        result.comments += 1
        for column in columns:
            text = texts.get(column)
            if not text:
                text = f"{column} of {table} (no description in the dbt project)."
                result.undocumented.append(f"{table}.{column}")
            _comment(con, "column", f"main.{q(table)}.{q(column)}", text)
            result.comments += 1


def add_analyst_surface(
    con: duckdb.DuckDBPyConnection, database: str, project_dir: Path = DBT_PROJECT_DIR
) -> SurfaceResult:
    """Create the analyst views in ``database`` (attached to ``con``) and comment on
    every table, view and column there. Failures are logged, never raised: a view or a
    comment must not stop a publication (the published tables are what matter)."""
    result = SurfaceResult()
    previous = con.execute("select current_database()").fetchall()[0][0]
    con.execute(f"use {q(database)}").fetchall()
    try:
        cols = _columns(con, database)
        views, skipped = build_views(cols)
        result.skipped_views.update(skipped)
        created: list[View] = []
        for view in views:
            try:
                con.execute(f"create view main.{q(view.name)} as\n{view.sql}").fetchall()
                created.append(view)
                result.views.append(view.name)
            except duckdb.Error as exc:
                log.warning("analyst view %s not created: %s", view.name, exc)
                result.skipped_views[view.name] = str(exc)
        for name, why in result.skipped_views.items():
            log.info("analyst view %s not published: %s", name, why)
        cols = _columns(con, database)  # now with the views
        try:
            docs = table_docs(cols, _catalogue(con, database, cols),
                              dbt_descriptions(project_dir))
            _apply_comments(con, cols, docs, created, result)
        except Exception:  # comments are documentation: never fail a publication
            log.exception("comments on the published file are incomplete")
        if result.undocumented:
            log.info("columns without a dbt description: %s", ", ".join(result.undocumented))
    finally:
        con.execute(f"use {q(previous)}").fetchall()
    return result
