"""Public mode: NHS England's small-number rule on hand-worked figures; internal mode: exact."""

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings
from pipelines.publish import PublishResult, publish
from pipelines.publish.disclosure import Role, TableShape, classify, controlled_select

from .helpers import METRIC_ROWS, make_settings, sql

# metric_id -> (numerator, denominator, value, suppressed) after disclosure control.
PUBLIC_EXPECTED = {
    "admissions": (None, None, None, True),  # count 3: under 5
    "admissions_planned": (None, None, None, True),  # count 0 is suppressed too
    "admissions_transfer": (5, None, 5, False),  # 5 is not under 5
    "discharges": (5, None, 5, False),  # 7 -> 5
    "oap_new": (10, None, 10, False),  # 8 -> 10
    "occupied_bed_days": (15, None, 15, False),  # 13 -> 15
    "admissions_unplanned_pct": (10, 35, 32, False),  # 12/37 = 32.43% -> 32; 12 -> 10, 37 -> 35
    "dna_rate_pct": (None, None, None, True),  # denominator 4 (and numerator 3)
    "readmission_30d_pct": (None, 40, None, True),  # numerator 2 under 5
    "followup_72h_pct": (5, 5, 100, False),  # 5/5: neither under 5
    "los_mean_days": (390, 10, 43, False),  # 390/9 = 43.33 -> 43; 9 -> 10
    "los_median_days": (None, 10, 31, False),  # median 30.5 -> 31, no numerator
    "not_in_catalogue": (None, None, None, True),  # unknown metric, no denominator: a count
}

@pytest.fixture(scope="module")
def publications(
    tmp_path_factory: pytest.TempPathFactory, warehouse_template: Path
) -> dict[str, tuple[Settings, PublishResult]]:
    """One public and one internal publication of the same warehouse."""
    out = {}
    for mode in ("public", "internal"):
        tmp = tmp_path_factory.mktemp(mode)
        wh = tmp / "warehouse.duckdb"
        shutil.copyfile(warehouse_template, wh)
        settings = make_settings(tmp, wh, mode=mode)
        out[mode] = (settings, publish(settings, "run-0001", {}))
    return out


MV_QUERY = ("select metric_id, numerator, denominator, value, suppressed from metric_values "
            "order by metric_id")


def test_public_mode_on_hand_worked_values(publications: dict) -> None:
    public_settings, result = publications["public"]
    got = {m: (n, d, v, s) for m, n, d, v, s in sql(result.database, MV_QUERY)}
    assert got == PUBLIC_EXPECTED
    [(mode,)] = sql(result.database, "select publication_mode from publish_log")
    assert mode == "public"
    # The Parquet copy carries the same controlled figures.
    f = public_settings.publish_dir / "parquet" / "metric_values.parquet"
    con = duckdb.connect()
    try:
        pq = con.execute(f"select metric_id, numerator, denominator, value, suppressed "
                         f"from read_parquet('{f}') order by metric_id").fetchall()
    finally:
        con.close()
    assert {m: (n, d, v, s) for m, n, d, v, s in pq} == PUBLIC_EXPECTED


def test_internal_mode_is_exact(publications: dict) -> None:
    _, result = publications["internal"]
    got = {m: (n, d, v, s) for m, n, d, v, s in sql(result.database, MV_QUERY)}
    assert got == {m: (n, d, v, False) for m, _, _, n, d, v in METRIC_ROWS}


# 3 of 120 records: the count under 5 and the ratio it makes are withheld, the
# denominator (a count of 120) is published rounded to the nearest 5
DQ_PUBLIC = [("MHS501", None, 120.0, None, True), ("MHS502", 80.0, 80.0, 100.0, False)]


def test_public_mode_other_tables(publications: dict) -> None:
    _, result = publications["public"]
    spc = sql(result.database, "select metric_id, value, mean, upper_process_limit, "
                               "lower_process_limit, variation_icon, suppressed "
                               "from spc order by metric_id")
    assert spc == [
        # 32.43 +1.4 / +-20.25, rounded to 0 dp
        ("admissions_unplanned_pct", 32.0, 34.0, 53.0, 12.0, "common_cause", False),
        # withheld wholly: the same figure is suppressed in metric_values (denominator 4)
        ("dna_rate_pct", None, None, None, None, "common_cause", True),
    ]
    dq = sql(result.database, "select table_name, numerator, denominator, value, suppressed "
                              "from data_quality order by 1")
    assert dq == DQ_PUBLIC
    types = dict(sql(result.database, "select column_name, data_type from duckdb_columns() "
                                      "where table_name = 'data_quality'"))
    assert types["denominator"] == "DOUBLE"  # schemas do not change between modes


def test_catalogue_is_published_unchanged(publications: dict) -> None:
    _, result = publications["public"]
    targets = dict(sql(result.database, "select metric_id, target_value from metric_catalogue"))
    assert targets["occupancy_pct"] == 85.0
    assert targets["followup_72h_pct"] == 80.0


@pytest.mark.parametrize(
    ("name", "dtype", "role"),
    [
        ("numerator", "DOUBLE", Role.COUNT),
        ("denominator", "DOUBLE", Role.COUNT),
        ("rows_quarantined", "BIGINT", Role.COUNT),
        ("referral_count", "DOUBLE", Role.COUNT),
        ("completeness_pct", "DOUBLE", Role.RATIO),
        ("ucl_99_8", "DOUBLE", Role.RATIO),
        ("cost_per_bed_day", "DECIMAL(18,2)", Role.RATIO),
        ("total_cost_gbp", "DECIMAL(18,2)", Role.MEASURE),
        ("productivity_growth", "DOUBLE", Role.MEASURE),
        ("file_id", "BIGINT", Role.KEEP),
        ("year", "INTEGER", Role.KEEP),
        ("provider_code", "VARCHAR", Role.KEEP),
        ("period_start", "DATE", Role.KEEP),
        ("suppressed", "BOOLEAN", Role.DROP),
    ],
)
def test_classify(name: str, dtype: str, role: Role) -> None:
    assert classify(name, dtype, has_kind=False) is role


def test_value_follows_value_kind() -> None:
    assert classify("value", "DOUBLE", has_kind=True) is Role.VALUE
    assert classify("value", "DOUBLE", has_kind=False) is Role.RATIO
    assert classify("value", "BIGINT", has_kind=False) is Role.COUNT


def test_count_rounding_boundaries() -> None:
    con = duckdb.connect()
    try:
        con.execute("create table t as select * from (values (0), (1), (4), (5), (7), (8), "
                    "(12), (13), (17), (18), (1234), (null)) v(n_people)")
        shape = TableShape([("n_people", "INTEGER")])
        got = con.execute(f"select n_people, suppressed from "
                          f"({controlled_select('select * from t', shape, public=True)})"
                          ).fetchall()
    finally:
        con.close()
    assert [n for n, _ in got] == [None, None, None, 5, 5, 10, 10, 15, 15, 20, 1235, None]
    assert not any(s for _, s in got)  # counts alone do not mark a row suppressed
