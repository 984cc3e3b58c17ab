"""COMMENT ON every table, view and column of the published file.

The text comes from the dbt model descriptions (the YAML files under dbt_project/models
and dbt_project/seeds) for the source model of each published table, the metric
catalogue's text (dbt_project/seeds/metric_catalogue.csv, read from the copy just
published as ``metric_catalogue``) for columns that are metrics, and the publisher's own
text for the columns it adds (``suppressed``, ``publish_log``). Views reuse the text of
the columns they read (``View.inherit``) or their own (``VIEW_COLUMN_TEXT``).
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from pipelines.config import DBT_PROJECT_DIR
from pipelines.publish.analyst_view_sql import View
from pipelines.publish.disclosure import q
from pipelines.publish.tables import ANALYST_VIEWS, PUBLISH_LOG, SOURCES

log = logging.getLogger(__name__)

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



def clean_text(text: object) -> str:
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
                        str(c["name"]): clean_text(c.get("description"))
                        for c in node.get("columns") or []
                        if isinstance(c, dict) and c.get("name") and c.get("description")
                    }
                    docs[str(node["name"])] = Doc(clean_text(node.get("description")), cols)
    return docs



def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"



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


def apply_comments(
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

