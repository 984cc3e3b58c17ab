"""The published marts' dbt contracts are the one home of the published columns.

pipelines/publish/contracts.py reads them from dbt_project/models/marts; the publisher
refuses a warehouse whose marts differ from them, and the readers (analyst views,
dashboard) read only columns the contracts declare. The real published file is checked
against them in tests/analyst/test_published_contracts.py.
"""

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.dashboard import data as dashboard_data
from pipelines.publish import PublishError, publish
from pipelines.publish import analyst_view_sql as views
from pipelines.publish.contracts import (
    ContractError,
    contract,
    contract_violations,
    contracts,
    has_contract,
    published_columns,
    require,
)
from pipelines.publish.tables import SOURCES

from .helpers import GATE, make_settings, modify_warehouse


def test_every_published_mart_has_a_typed_contract() -> None:
    marts = [s for s in SOURCES if has_contract(s)]
    assert {s.table for s in marts} <= set(contracts())
    for src in marts:
        declared = contract(src.table)
        assert declared.names and all(t for _, t in declared.columns), src.table
        assert len(set(declared.names)) == len(declared.names), src.table
    # seeds (reference schema) cannot have an enforced contract: dbt enforces models only
    assert {s.published for s in SOURCES if not has_contract(s)} == {
        "metric_catalogue", "national_measure_catalogue"}


def test_contracts_are_enforced_in_dbt_project() -> None:
    text = (DBT_PROJECT_DIR / "dbt_project.yml").read_text()
    assert "+contract:" in text and "enforced: \"{{ target.type == 'duckdb' }}\"" in text


@pytest.mark.parametrize(("table", "columns"), [
    ("metric_values", views.METRIC_VALUE_COLUMNS),
    ("spc", views.SPC_COLUMNS),
    ("data_quality", views.DATA_QUALITY_COLUMNS),
    ("spc", dashboard_data.SPC_COLUMNS),
    ("costs", dashboard_data.COST_COLUMNS),
    ("bed_capacity", dashboard_data.BED_CAPACITY_COLUMNS),
    ("units", dashboard_data.UNIT_COLUMNS),
    ("peer_comparison", {"kind", "better_direction", "is_local", "denominator"}),
])
def test_readers_read_only_contract_columns(table: str, columns: set[str]) -> None:
    assert set(columns) <= set(published_columns(table, public=False))
    assert set(columns) <= set(published_columns(table, public=True))
    require(table, list(columns))


def test_require_names_the_missing_column() -> None:
    with pytest.raises(ContractError, match="no not_a_column"):
        require("spc", ["metric_id", "not_a_column"])


def test_published_columns_add_and_drop_what_the_publisher_does() -> None:
    mv = published_columns("metric_values", public=True)
    assert mv[0] == "metric_id" and mv[-1] == "suppressed"
    assert {"metric_name", "value_kind", "is_complete"} <= set(mv)
    assert published_columns("units", public=True) == contract("dim_units").names
    internal = published_columns("national_measures", public=False)
    assert internal == contract("mart_national_measures").names
    assert "measure_value_rounded" not in published_columns("national_measures", public=True)
    assert "our_value" not in published_columns("national_reconciliation", public=True)


def test_violations_are_named() -> None:
    declared = list(contract("mart_spc").columns)
    assert contract_violations({("marts", "mart_spc"): declared}) == []
    changed = [(n, "VARCHAR" if n == "mean" else t) for n, t in declared[:-1]]
    [problem] = contract_violations({("marts", "mart_spc"): changed})
    assert problem.startswith("marts.mart_spc: missing sustained_run_points")
    assert "mean varchar (contract double)" in problem


def test_spark_types_of_the_same_family_pass() -> None:
    """Marts built on Spark come back as bigint where DuckDB makes hugeint, string where it
    makes varchar: the same columns, so the publisher accepts them."""
    declared = list(contract("mart_crfd_reasons").columns)
    assert ("crfd_days", "hugeint") in declared
    spark = [(n, {"hugeint": "BIGINT", "varchar": "STRING"}.get(t, t.upper()))
             for n, t in declared]
    assert contract_violations({("marts", "mart_crfd_reasons"): spark}) == []
    reordered = [declared[1], declared[0], *declared[2:]]
    [problem] = contract_violations({("marts", "mart_crfd_reasons"): reordered})
    assert problem.endswith("another column order")


def test_publisher_refuses_a_mart_that_breaks_its_contract(tmp_path, warehouse) -> None:
    modify_warehouse(warehouse, "alter table marts.mart_spc alter mean type varchar")
    settings = make_settings(tmp_path, warehouse)
    with pytest.raises(PublishError, match=r"mart_spc: types mean varchar \(contract double\)"):
        publish(settings, "run-contract", GATE)
    assert not (settings.publish_dir / "marts.duckdb").exists()


def test_fake_warehouse_follows_the_contracts(warehouse) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("select table_name, column_name, lower(data_type) from "
                           "duckdb_columns() where schema_name = 'marts' and "
                           "table_name like 'mart_%' order by table_name, column_index").fetchall()
    finally:
        con.close()
    cols: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        cols.setdefault(("marts", table), []).append((column, dtype))
    assert contract_violations(cols) == []
