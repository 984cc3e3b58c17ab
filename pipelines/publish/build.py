"""Build the published DuckDB file under a temporary name, from the warehouse, read-only.

The warehouse is ATTACHed READ_ONLY (it is never written); the new file is
ATTACHed with ``STORAGE_VERSION 'v1.5.0'`` so duckdb 1.5 clients (BI drivers) can
open it, then checkpointed and detached so no .wal is left behind.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.publish.analyst_views import add_analyst_surface
from pipelines.publish.contracts import contract_violations
from pipelines.publish.disclosure import TableShape, controlled_select, q
from pipelines.publish.errors import PublishError
from pipelines.publish.national import national_select
from pipelines.publish.storage_format import STORAGE_VERSION
from pipelines.publish.tables import (
    CATALOGUE,
    CATALOGUE_COLUMNS,
    MANIFEST,
    METRIC_VALUES,
    OPTIONAL,
    PUBLISH_LOG,
    WAREHOUSE_ALIAS,
    Source,
    warehouse_columns,
)

log = logging.getLogger(__name__)

PUB = "pub"
KIND_HELPER = "__value_kind"

PUBLISH_LOG_DDL = f"""
create table {PUB}.main.{PUBLISH_LOG} (
    run_id varchar not null,
    version_id varchar not null,
    published_at timestamp not null,
    publication_mode varchar not null,
    gate_summary varchar,
    source_manifest varchar,
    row_counts varchar,
    storage_version varchar,
    writer_duckdb_version varchar
)
"""


@dataclass(frozen=True)
class LogEntry:
    """What the publish_log row of the new file records about this publication."""

    run_id: str
    version_id: str
    published_at: datetime  # UTC, naive
    publication_mode: str
    gate_summary: dict[str, Any] = field(default_factory=dict)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _to_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)


def _create(con: duckdb.DuckDBPyConnection, name: str, select_sql: str) -> None:
    con.execute(f"create table {PUB}.main.{q(name)} as {select_sql}").fetchall()


def _metric_values_sql(
    cols: dict[tuple[str, str], list[tuple[str, str]]],
) -> tuple[str, TableShape]:
    mart = cols[(METRIC_VALUES.schema, METRIC_VALUES.table)]
    cat_types = dict(cols[(CATALOGUE.schema, CATALOGUE.table)])
    mart_names = {n for n, _ in mart}
    # the catalogue seed is written by pipelines.metrics.codegen: these columns are always
    # there, and a warehouse without them was not built by this project's dbt
    absent = [c for c in ("metric_id", *CATALOGUE_COLUMNS) if c not in cat_types]
    if "metric_id" not in mart_names or absent:
        raise PublishError("mart_metric_values needs metric_id and metric_catalogue needs "
                           f"metric_id, {', '.join(CATALOGUE_COLUMNS)} (missing: "
                           f"{', '.join(absent) or 'mart_metric_values.metric_id'})")
    extra = [c for c in CATALOGUE_COLUMNS if c not in mart_names]
    shape_cols = [("metric_id", dict(mart)["metric_id"])]
    shape_cols += [(c, cat_types[c]) for c in extra]
    shape_cols += [(n, t) for n, t in mart if n != "metric_id"]
    select = ", ".join(
        ["m.metric_id"] + [f"c.{q(c)}" for c in extra]
        + [f"m.{q(n)}" for n, _ in mart if n != "metric_id"]
    )
    sql = (f"select {select} from {METRIC_VALUES.relation} as m "
           f"left join {CATALOGUE.relation} as c on c.metric_id = m.metric_id")
    return sql, TableShape(shape_cols, kind_column="value_kind")


def _optional_sql(source: Source, columns: list[tuple[str, str]]) -> tuple[str, TableShape]:
    names = {n for n, _ in columns}
    if {"metric_id", "value"} <= names and KIND_HELPER not in names:
        sql = (f"select t.*, c.value_kind as {KIND_HELPER} from {source.relation} as t "
               f"left join {CATALOGUE.relation} as c on c.metric_id = t.metric_id")
        shape = TableShape([*columns, (KIND_HELPER, "VARCHAR")], kind_column=KIND_HELPER,
                           hidden=(KIND_HELPER,))
        return sql, shape
    return f"select * from {source.relation}", TableShape(columns)


def _manifest(con: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]) -> list[dict]:
    if MANIFEST not in present:
        log.warning("no meta.manifest in the warehouse: publish_log will list no source files")
        return []
    rows = con.execute(
        f"select relpath, content_hash from {WAREHOUSE_ALIAS}.meta.manifest "
        "where status = 'loaded' order by relpath, content_hash"
    ).fetchall()
    return [{"relpath": r, "content_hash": h} for r, h in rows]


def build_database(warehouse: Path, target: Path, entry: LogEntry) -> dict[str, int]:
    """Write every allowed table into a new DuckDB file ``target``; return rows per table."""
    if not warehouse.exists():
        raise PublishError(f"warehouse {warehouse} does not exist: run the pipeline first")
    if target.exists():
        raise PublishError(f"{target} already exists; refusing to write into an existing file")
    public = entry.publication_mode == "public"
    con = duckdb.connect()
    try:
        try:
            con.execute(f"attach '{_sql_path(warehouse)}' as {WAREHOUSE_ALIAS} (read_only)")
        except duckdb.Error as exc:
            raise PublishError(f"cannot open the warehouse {warehouse} read-only: {exc}") from exc
        con.execute(
            f"attach '{_sql_path(target)}' as {PUB} (storage_version '{STORAGE_VERSION}')"
        )
        cols = warehouse_columns(con)
        missing = [f"{s.schema}.{s.table}" for s in (METRIC_VALUES, CATALOGUE)
                   if (s.schema, s.table) not in cols]
        if missing:
            raise PublishError(f"required warehouse table(s) missing: {', '.join(missing)}")
        # the marts must be exactly as their dbt contracts declare (dbt enforces them on
        # DuckDB; this also covers marts built on Spark and loaded back)
        violations = contract_violations(cols)
        if violations:
            raise PublishError("warehouse marts differ from their dbt contracts "
                               f"(dbt_project/models/marts): {'; '.join(violations)}")

        _create(con, CATALOGUE.published, f"select * from {CATALOGUE.relation}")
        sql, shape = _metric_values_sql(cols)
        _create(con, METRIC_VALUES.published, controlled_select(sql, shape, public=public))
        published_mv = f"{PUB}.main.{q(METRIC_VALUES.published)}"
        tables = [CATALOGUE.published, METRIC_VALUES.published]
        for source in OPTIONAL:
            if (source.schema, source.table) not in cols:
                continue
            if source.national:  # NHS England's rounding, not ours
                _create(con, source.published, national_select(source, public=public))
                tables.append(source.published)
                continue
            if not source.disclosure:  # reference data (units, calendar): as it is
                _create(con, source.published, f"select * from {source.relation}")
                tables.append(source.published)
                continue
            sql, shape = _optional_sql(source, cols[(source.schema, source.table)])
            _create(con, source.published,
                    controlled_select(sql, shape, public=public, metric_values=published_mv))
            tables.append(source.published)

        counts = {
            t: int(con.execute(f"select count(*) from {PUB}.main.{q(t)}").fetchall()[0][0])
            for t in tables
        }
        counts[PUBLISH_LOG] = 1
        con.execute(PUBLISH_LOG_DDL).fetchall()
        con.execute(
            f"insert into {PUB}.main.{PUBLISH_LOG} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                entry.run_id,
                entry.version_id,
                entry.published_at,
                entry.publication_mode,
                _to_json(entry.gate_summary),
                _to_json(_manifest(con, set(cols))),
                _to_json(counts),
                STORAGE_VERSION,
                duckdb.__version__,
            ],
        ).fetchall()
        # analyst views over the tables above, and COMMENT ON every table/view/column
        surface = add_analyst_surface(con, PUB)
        log.info("analyst views: %s; %d comments", ", ".join(surface.views), surface.comments)
        con.execute(f"checkpoint {PUB}").fetchall()
        con.execute(f"detach {PUB}").fetchall()
        con.execute(f"detach {WAREHOUSE_ALIAS}").fetchall()
        return counts
    finally:
        con.close()
