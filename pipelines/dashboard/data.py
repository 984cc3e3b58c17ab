"""Read what the dashboard needs from the published ``marts.duckdb`` (read-only).

Only the published file is read, never the warehouse. Optional tables (spc, funnel,
data quality, costs, ...) may be missing; each is loaded as a DataFrame or ``None`` with
a note saying why, so the pages can say what is not available instead of failing. A
table that is there has the columns of its dbt contract (pipelines/publish/contracts.py),
so nothing here looks at which columns a file has: the columns read are checked
against the contracts (``require``) and tests/publish/test_contracts.py.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.dashboard.fmt import is_missing
from pipelines.publish.contracts import published_columns, require

DOMAIN_ORDER = ["cost", "activity", "quality", "flow", "workforce", "productivity"]
CHART_LEVELS = ("provider", "locality", "ward", "team")
COMPARISON_LEVELS = ("locality", "ward", "team", "provider")
DEFAULT_BED_TYPE = "all"
# The spc columns the pages use (the rest of the published table is not read).
SPC_COLUMNS = {"metric_id", "provider_code", "level", "unit_code", "unit_name", "bed_type_group",
               "period_type", "period_start", "value", "mean", "lower_process_limit",
               "upper_process_limit", "point_type", "variation_icon", "assurance_icon",
               "too_few_points", "suppressed", "phase", "phase_reason"}
COST_COLUMNS = ["provider_code", "unit_code", "unit_name", "period_start", "cost_method"]
BED_CAPACITY_COLUMNS = ["provider_code", "unit_code", "locality", "period_start",
                        "capacity_basis"]
UNIT_COLUMNS = ["provider_code", "level", "unit_code", "unit_name", "locality_code"]


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


def _select(table: str, columns: list[str], *, distinct: bool = False) -> str:
    """``select <columns> from <table>``, the columns checked against the table's contract."""
    cols = ", ".join(_q(c) for c in require(table, columns))
    return f"select {'distinct ' if distinct else ''}{cols} from {_q(table)}"


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _dates(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for c in cols:
        df[c] = pd.to_datetime(df[c]).dt.normalize()
    return df


def _bed_type(df: pd.DataFrame) -> pd.DataFrame:
    """A null bed_type_group means 'all'."""
    df["bed_type_group"] = df["bed_type_group"].astype(object).where(
        df["bed_type_group"].notna(), DEFAULT_BED_TYPE)
    return df


def _flag(df: pd.DataFrame, col: str) -> pd.DataFrame:
    df[col] = df[col].astype(object).map(lambda v: bool(v) if not is_missing(v) else False)
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

    levels = ", ".join(f"'{lv}'" for lv in CHART_LEVELS)
    values = _df(con, f"select * from metric_values where level in ({levels})")
    values = _flag(_bed_type(_dates(values, "period_start")), "suppressed")
    suppressed_counts = {str(m): int(n) for m, n in con.execute(
        "select metric_id, count(*) from metric_values where suppressed "
        "group by metric_id").fetchall()}

    spc = None
    if "spc" in tables:
        keep = [c for c in published_columns("spc", public=False) if c in SPC_COLUMNS]
        spc = _flag(_bed_type(_dates(_df(con, _select("spc", keep)), "period_start")),
                    "too_few_points")
        spc = _flag(spc[spc["period_type"].fillna("month") == "month"], "suppressed")
    else:
        notes.append("SPC table not published: charts are simple run charts with the mean "
                     "only, without process limits or icons.")

    funnel = None
    if "funnel" in tables:
        funnel = _flag(_flag(_bed_type(_dates(_df(con, "select * from funnel"),
                                              "period_start")), "outside_95"), "outside_998")
    else:
        notes.append("Funnel table not published: funnel plots are omitted.")

    dq, dq_note = _load_dq(con, tables)
    if dq_note:
        notes.append(dq_note)

    costs = None
    if "costs" in tables:
        costs = _dates(_df(con, _select("costs", COST_COLUMNS, distinct=True)
                           + " where cost_method is not null"), "period_start")

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
    if "peer_comparison" in tables:
        peers = _dates(_df(con, "select * from peer_comparison"), "period_month")
    reconciliation = None
    if "national_reconciliation" in tables:
        reconciliation = _dates(_df(con, "select * from national_reconciliation"),
                                "period_month", "reporting_period_start",
                                "reporting_period_end", "publication_month")

    log_rows = con.execute("select * from publish_log").df() if "publish_log" in tables else None
    publish_log: dict[str, Any] = {}
    if log_rows is not None and len(log_rows):
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
    """provider_code, level, unit_code, unit_name, locality_code of every ward and team,
    from the published ``units`` table; None when it is not published."""
    if "units" not in tables:
        return None
    return _df(con, _select("units", UNIT_COLUMNS) + " where level in ('ward', 'team')")


def _load_bed_capacity(con: duckdb.DuckDBPyConnection, tables: set[str]) -> pd.DataFrame | None:
    """Ward rows of ``bed_capacity`` (provider_code, unit_code, locality, period_start,
    capacity_basis): whether each ward-month's available bed days came from MHS903 or from
    commissioned beds. None when the table is not published."""
    if "bed_capacity" not in tables:
        return None
    return _dates(_df(con, _select("bed_capacity", BED_CAPACITY_COLUMNS)
                      + " where level = 'ward'"), "period_start")


def _load_dq(con: duckdb.DuckDBPyConnection,
             tables: set[str]) -> tuple[pd.DataFrame | None, str | None]:
    """The data-quality score (0-100) per provider and month: the ``data_quality`` rows with
    ``measure = 'dq_score'`` (several rows for one provider-month are averaged)."""
    unavailable = "Data-quality score not available in this publication."
    if "data_quality" not in tables:
        return None, unavailable
    require("data_quality", ["provider_code", "period_start", "measure", "value"])
    df = _df(con, "select provider_code, period_start, avg(value) as dq_score "
                  "from data_quality where lower(measure) = 'dq_score' group by all")
    if not len(df):
        return None, unavailable
    return _dates(df, "period_start"), None
