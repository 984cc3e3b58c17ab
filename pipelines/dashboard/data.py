"""Read what the dashboard needs from the published ``marts.duckdb`` (read-only).

Only the published file is read, never the warehouse. Optional tables (spc, funnel,
data quality, costs) may be missing or shaped differently; each is loaded as a
DataFrame or ``None`` with a note saying why, so the pages can say what is not
available instead of failing.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.dashboard.fmt import is_missing

DOMAIN_ORDER = ["cost", "activity", "quality", "flow", "workforce", "productivity"]
CHART_LEVELS = ("provider", "locality", "ward", "team")
COMPARISON_LEVELS = ("locality", "ward", "team", "provider")
DEFAULT_BED_TYPE = "all"
# The spc columns the pages use (the rest of the published table is not read).
SPC_COLUMNS = {"metric_id", "provider_code", "level", "unit_code", "unit_name", "bed_type_group",
               "period_type", "period_start", "value", "mean", "lower_process_limit",
               "upper_process_limit", "point_type", "variation_icon", "assurance_icon",
               "too_few_points", "suppressed", "phase", "phase_reason"}
PEER_COLUMNS = {"period_month", "measure_id", "measure_name", "provider_code", "value",
                "england_value", "rank", "providers_ranked", "position"}
RECONCILIATION_COLUMNS = {"provider_code", "period_month", "measure_id", "breakdown",
                          "our_value_rounded", "published_value", "status"}


class DashboardError(RuntimeError):
    """The dashboard cannot be built (e.g. nothing has been published yet)."""


@dataclass
class PublishedData:
    database: Path
    tables: set[str]
    catalogue: pd.DataFrame  # one row per metric_id, in catalogue order
    values: pd.DataFrame  # metric_values at provider and locality level
    spc: pd.DataFrame | None
    funnel: pd.DataFrame | None
    dq: pd.DataFrame | None  # provider_code, period_start, dq_score
    costs: pd.DataFrame | None  # cost method by provider (and unit) and month
    publish_log: dict[str, Any]
    suppressed_counts: dict[str, int]  # metric_id -> suppressed metric_values rows
    notes: list[str] = field(default_factory=list)
    # ward rows of bed_capacity: the basis of each ward-month's available bed days
    bed_capacity: pd.DataFrame | None = None
    # national_measures (without ward rows) and national_measure_catalogue: both or neither
    national: pd.DataFrame | None = None
    national_catalogue: pd.DataFrame | None = None
    # units (the hierarchy ward/team -> locality -> provider): provider_code, level, unit_code,
    # unit_name, locality_code; None when not published (then costs/bed_capacity are used)
    units: pd.DataFrame | None = None
    # peer_comparison: the provider's place among England's providers per national measure
    peers: pd.DataFrame | None = None
    # national_reconciliation: our national measures beside NHS England's publication
    reconciliation: pd.DataFrame | None = None

    @property
    def publication_mode(self) -> str:
        return str(self.publish_log.get("publication_mode") or "unknown")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = 'main' "
        "and table_name = ? order by column_index", [table]
    ).fetchall()
    return [r[0] for r in rows]


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _dates(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c]).dt.normalize()
    return df


def _bed_type(df: pd.DataFrame) -> pd.DataFrame:
    """A null bed_type_group means 'all'."""
    if "bed_type_group" in df.columns:
        df["bed_type_group"] = df["bed_type_group"].astype(object).where(
            df["bed_type_group"].notna(), DEFAULT_BED_TYPE)
    else:
        df["bed_type_group"] = DEFAULT_BED_TYPE
    return df


def _flag(df: pd.DataFrame, col: str) -> pd.DataFrame:
    if col in df.columns:
        df[col] = df[col].astype(object).map(lambda v: bool(v) if not is_missing(v) else False)
    else:
        df[col] = False
    return df


def load_published(database: Path) -> PublishedData:
    """Everything the pages need, read from ``database`` opened read-only."""
    if not database.exists():
        raise DashboardError(
            f"no published marts at {database}: run the pipeline (make run) to publish first")
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise DashboardError(f"cannot open {database} read-only: {exc}") from exc
    try:
        return _load(con, database)
    finally:
        con.close()


def _load(con: duckdb.DuckDBPyConnection, database: Path) -> PublishedData:
    tables = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' "
        "union select view_name from duckdb_views() where schema_name = 'main' "
        "and not internal").fetchall()}
    missing = {"metric_catalogue", "metric_values"} - tables
    if missing:
        raise DashboardError(f"{database} has no {', '.join(sorted(missing))} table")
    notes: list[str] = []

    catalogue = _df(con, "select * from metric_catalogue")
    catalogue = catalogue.drop_duplicates("metric_id").reset_index(drop=True)

    mv_cols = _columns(con, "metric_values")
    levels = ", ".join(f"'{lv}'" for lv in CHART_LEVELS)
    values = _df(con, f"select * from metric_values where level in ({levels})")
    values = _flag(_bed_type(_dates(values, "period_start")), "suppressed")
    if "period_type" not in values.columns:
        values["period_type"] = "month"
    suppressed_counts: dict[str, int] = {}
    if "suppressed" in mv_cols:
        suppressed_counts = {str(m): int(n) for m, n in con.execute(
            "select metric_id, count(*) from metric_values where suppressed "
            "group by metric_id").fetchall()}

    spc = None
    if "spc" in tables:
        keep = [c for c in _columns(con, "spc") if c in SPC_COLUMNS]
        spc = _flag(_bed_type(_dates(_df(con, f"select {', '.join(_q(c) for c in keep)} "
                                              "from spc"), "period_start")), "too_few_points")
        if "period_type" in spc.columns:
            spc = spc[spc["period_type"].fillna("month") == "month"]
        if "suppressed" in spc.columns:
            spc = _flag(spc, "suppressed")
    else:
        notes.append("SPC table not published: charts are simple run charts with the mean "
                     "only, without process limits or icons.")

    funnel = None
    if "funnel" in tables:
        funnel = _flag(_flag(_bed_type(_dates(_df(con, "select * from funnel"),
                                              "period_start")), "outside_95"), "outside_998")
        if "period_type" not in funnel.columns:
            funnel["period_type"] = "month"
    else:
        notes.append("Funnel table not published: funnel plots are omitted.")

    dq, dq_note = _load_dq(con, tables)
    if dq_note:
        notes.append(dq_note)

    costs = None
    if "costs" in tables and "cost_method" in _columns(con, "costs"):
        cols = [c for c in ("provider_code", "level", "unit_code", "unit_name", "period_start",
                            "cost_method") if c in _columns(con, "costs")]
        costs = _dates(_df(con, f"select distinct {', '.join(_q(c) for c in cols)} from costs "
                                "where cost_method is not null"), "period_start")

    bed_capacity = _load_bed_capacity(con, tables)
    national = national_catalogue = None
    if {"national_measures", "national_measure_catalogue"} <= tables:
        national = _dates(_df(con, "select * from national_measures where breakdown <> "
                                   "'Provider; Ward'"), "reporting_period_start",
                          "reporting_period_end", "period_month")
        national_catalogue = _df(con, "select * from national_measure_catalogue")
    elif "national_measure_catalogue" in tables:  # definitions for reconciliation and peers
        national_catalogue = _df(con, "select * from national_measure_catalogue")

    units = _load_units(con, tables)
    peers = None
    if "peer_comparison" in tables and PEER_COLUMNS <= set(_columns(con, "peer_comparison")):
        peers = _dates(_df(con, "select * from peer_comparison"), "period_month")
    reconciliation = None
    if "national_reconciliation" in tables and RECONCILIATION_COLUMNS <= set(
            _columns(con, "national_reconciliation")):
        reconciliation = _dates(_df(con, "select * from national_reconciliation"),
                                "period_month", "reporting_period_start",
                                "reporting_period_end", "publication_month")

    log_rows = con.execute("select * from publish_log").df() if "publish_log" in tables else None
    publish_log: dict[str, Any] = {}
    if log_rows is not None and len(log_rows):
        if "published_at" in log_rows.columns:
            log_rows = log_rows.sort_values("published_at", ascending=False)
        publish_log = {k: (None if is_missing(v) else v)
                       for k, v in log_rows.iloc[0].to_dict().items()}

    return PublishedData(
        database=database, tables=tables, catalogue=catalogue, values=values, spc=spc,
        funnel=funnel, dq=dq, costs=costs, publish_log=publish_log,
        suppressed_counts=suppressed_counts, notes=notes, bed_capacity=bed_capacity,
        national=national, national_catalogue=national_catalogue, units=units, peers=peers,
        reconciliation=reconciliation,
    )


def _load_units(con: duckdb.DuckDBPyConnection, tables: set[str]) -> pd.DataFrame | None:
    """provider_code, level, unit_code, unit_name, locality_code of every ward and team.

    From the published ``units`` table; without it, from the ``locality`` column that
    ``costs`` (wards and teams) and ``bed_capacity`` (wards) carry. None when neither has it.
    """
    if "units" in tables and {"provider_code", "level", "unit_code", "locality_code"} <= set(
            _columns(con, "units")):
        name = "unit_name" if "unit_name" in _columns(con, "units") else "unit_code"
        return _df(con, f"select provider_code, level, unit_code, {_q(name)} as unit_name, "
                        "locality_code from units where level in ('ward', 'team')")
    parts = []
    for table, level in (("costs", "unit_type"), ("bed_capacity", "level")):
        cols = set(_columns(con, table)) if table in tables else set()
        if {"provider_code", "unit_code", "locality", level} <= cols:
            parts.append(f"select distinct provider_code, {_q(level)} as level, unit_code, "
                         f"unit_code as unit_name, locality as locality_code from {_q(table)} "
                         f"where {_q(level)} in ('ward', 'team') and locality is not null")
    if not parts:
        return None
    return _df(con, "select provider_code, level, unit_code, max(unit_name) as unit_name, "
                    "max(locality_code) as locality_code from (" + " union all ".join(parts)
               + ") group by all")


def _load_bed_capacity(con: duckdb.DuckDBPyConnection, tables: set[str]) -> pd.DataFrame | None:
    """Ward rows of ``bed_capacity`` (provider_code, unit_code, locality, period_start,
    capacity_basis): whether each ward-month's available bed days came from MHS903 or from
    commissioned beds. None when the table or those columns are not published."""
    if "bed_capacity" not in tables:
        return None
    cols = set(_columns(con, "bed_capacity"))
    if not {"provider_code", "level", "unit_code", "period_start", "capacity_basis"} <= cols:
        return None
    keep = [c for c in ("provider_code", "unit_code", "locality", "period_start",
                        "capacity_basis") if c in cols]
    return _dates(_df(con, f"select {', '.join(_q(c) for c in keep)} from bed_capacity "
                           "where level = 'ward'"), "period_start")


def _load_dq(con: duckdb.DuckDBPyConnection,
             tables: set[str]) -> tuple[pd.DataFrame | None, str | None]:
    """A data-quality score (0-100) per provider and month, from whichever shape exists.

    Accepted: a ``dq_score`` table (provider_code, period_start, dq_score); or a
    ``data_quality`` table with ``measure = 'dq_score'`` rows and a ``value``, or
    with a ``dq_score`` column. Provider-level rows are preferred when a ``level``
    column exists; several rows for one provider-month are averaged.
    """
    unavailable = "Data-quality score not available in this publication."
    for table, value_col, measure in (("dq_score", "dq_score", False),
                                      ("data_quality", "value", True),
                                      ("data_quality", "dq_score", False)):
        if table not in tables:
            continue
        cols = set(_columns(con, table))
        if not {"provider_code", "period_start", value_col} <= cols:
            continue
        if measure and "measure" not in cols:
            continue
        where = ["1 = 1"]
        if measure:
            where.append("lower(measure) = 'dq_score'")
        if "level" in cols:
            where.append("(level = 'provider' or level is null)")
        df = _df(con, f"select provider_code, period_start, avg({_q(value_col)}) as dq_score "
                      f"from {_q(table)} where {' and '.join(where)} group by all")
        if len(df):
            return _dates(df, "period_start"), None
    return None, unavailable
