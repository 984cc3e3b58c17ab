"""What may be published: an allow-list of warehouse relations and their published names.

Nothing else in the warehouse (raw, staging, intermediate, meta, person-level
``fct_`` tables, even inside the marts schema) is ever read into the published
file: tables are selected by exact name from this list, not by pattern.
"""

from dataclasses import dataclass

import duckdb

from pipelines.publish.disclosure import q

WAREHOUSE_ALIAS = "wh"


@dataclass(frozen=True)
class Source:
    published: str  # table name in the published file (schema main) and the Parquet file stem
    schema: str  # schema in the warehouse
    table: str  # table or view in the warehouse
    required: bool = False
    # False only for reference data with no figures about people: published as it is,
    # without disclosure control or a suppressed column
    disclosure: bool = True
    # national measures carry NHS England's own rounding (mart column measure_value_rounded):
    # internal keeps both, public publishes only the rounded value (pipelines/publish/national.py)
    national: bool = False

    @property
    def relation(self) -> str:
        return f"{WAREHOUSE_ALIAS}.{q(self.schema)}.{q(self.table)}"


METRIC_VALUES = Source("metric_values", "marts", "mart_metric_values", required=True)
CATALOGUE = Source("metric_catalogue", "reference", "metric_catalogue", required=True,
                   disclosure=False)
OPTIONAL = [
    Source("data_quality", "marts", "mart_data_quality"),
    Source("spc", "marts", "mart_spc"),
    Source("funnel", "marts", "mart_funnel"),
    Source("costs", "marts", "mart_costs"),
    Source("productivity", "marts", "mart_productivity"),
    Source("crfd_by_reason", "marts", "mart_crfd_reasons"),
    Source("bed_capacity", "marts", "mart_bed_capacity"),
    # the national MHSDS measures, as NHS England computes and rounds them
    Source("national_measures", "marts", "mart_national_measures", national=True),
    Source("national_measure_catalogue", "reference", "national_measure_catalogue",
           disclosure=False),
    # beside NHS England's publication: ours (rounded as national; exact internal only) and
    # every provider in England as published (national figures, already rounded)
    Source("national_reconciliation", "marts", "mart_national_reconciliation", national=True),
    Source("peer_comparison", "marts", "mart_peer_comparison", disclosure=False),
    # reference dimensions for BI tools (hierarchies, financial-year calendar): no figures
    Source("units", "marts", "dim_units", disclosure=False),
    Source("calendar", "marts", "dim_calendar", disclosure=False),
]
SOURCES = [METRIC_VALUES, CATALOGUE, *OPTIONAL]
PUBLISH_LOG = "publish_log"

# Every table name that can appear in a published file, in publishing order.
ALLOWED_TABLES = [s.published for s in SOURCES] + [PUBLISH_LOG]

# Analyst views over the published tables (pipelines/publish/analyst_views.py): the only
# views a published file may hold. They are not counted, exported to Parquet or logged;
# each is also written as csv/<view>.csv (pipelines/publish/csv_export.py).
ANALYST_VIEWS = [
    "data_quality_scores", "latest_values", "monthly_trend", "locality_comparison", "spc_latest",
]

# Catalogue columns copied onto each metric_values row for convenience.
CATALOGUE_COLUMNS = ["metric_name", "domain", "unit", "better_direction", "value_kind"]

MANIFEST = ("meta", "manifest")


Columns = dict[tuple[str, str], list[tuple[str, str]]]


def warehouse_columns(con: duckdb.DuckDBPyConnection) -> Columns:
    """(schema, table) -> [(column, type)] for every table and view in the attached warehouse."""
    rows = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? order by schema_name, table_name, column_index",
        [WAREHOUSE_ALIAS],
    ).fetchall()
    out: Columns = {}
    for schema, table, column, dtype in rows:
        out.setdefault((schema, table), []).append((column, dtype))
    return out
