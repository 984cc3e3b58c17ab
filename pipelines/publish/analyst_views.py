"""The analyst surface of the published file: friendly views and COMMENT ON everything.

Called by ``build.build_database`` once every table of the new file is written (see
docs/sql-guide.md). Adds, in schema ``main`` of the file being built, the analyst views
(their SQL: pipelines/publish/analyst_view_sql.py) and a comment on every table, view
and column (pipelines/publish/published_comments.py). A view that cannot be created is
logged and skipped, never raised: the published tables are what matter.
"""

import logging
from pathlib import Path

import duckdb

from pipelines.config import DBT_PROJECT_DIR
from pipelines.publish.analyst_view_sql import View, build_views
from pipelines.publish.disclosure import q
from pipelines.publish.published_comments import (
    SurfaceResult,
    apply_comments,
    clean_text,
    dbt_descriptions,
    table_docs,
)

__all__ = ["SurfaceResult", "add_analyst_surface", "dbt_descriptions"]

log = logging.getLogger(__name__)


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



def _catalogue(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, tuple[str, str]]:
    """metric_id -> (metric_name, description) from the published catalogue."""
    rows = con.execute(
        f"select metric_id, metric_name, description from {q(database)}.main.metric_catalogue"
    ).fetchall()
    return {str(m): (clean_text(n), clean_text(d)) for m, n, d in rows if m}



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
        views, skipped = build_views(set(cols))
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
            docs = table_docs(cols, _catalogue(con, database),
                              dbt_descriptions(project_dir))
            apply_comments(con, cols, docs, created, result)
        except Exception:  # comments are documentation: never fail a publication
            log.exception("comments on the published file are incomplete")
        if result.undocumented:
            log.info("columns without a dbt description: %s", ", ".join(result.undocumented))
    finally:
        con.execute(f"use {q(previous)}").fetchall()
    return result

