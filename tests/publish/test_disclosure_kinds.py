"""Public mode for means and medians (issue #15), on hand-worked figures.

NHS England (menh_publications/notebooks/94_Round_output.py,
menh_analysis/notebooks/02_Aggregate/95.Round_output.py): counts under 5 are
suppressed, other counts rounded to the nearest 5; proportions are computed from the
unrounded values and suppressed when their numerator or denominator is; means and
medians are suppressed when their count is - never because of their own value.
In mart_metric_values a mean's numerator is a sum and its denominator the count; a
median's numerator is the median itself and its denominator the count.
"""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.catalogue import load_catalogue
from pipelines.publish import publish
from pipelines.publish.disclosure import TableShape, controlled_select

from .helpers import CATALOGUE_CSV, GATE, make_settings, sql

MONTH = date(2024, 4, 1)

# (metric_id, unit_code, numerator, denominator, value) as mart_metric_values holds
# them, and the public figures: (numerator, denominator, value, suppressed)
CASES = [
    # median LOS 3 days over 12 spells: the count (12) decides, not the median (3);
    # the numerator is the median itself, so it is withheld (before: suppressed as
    # "numerator 3 < 5", and a median of 32 leaked as numerator 30)
    ("los_median_days", "U1", 3, 12, 3, (None, 10, 3, False)),
    ("los_median_days", "U2", 32, 12, 32, (None, 10, 32, False)),
    # median over 4 spells: count under 5 -> suppressed, whatever the median
    ("los_median_days", "U3", 40, 4, 40, (None, None, None, True)),
    # mean LOS: 5 spells with 4 days in total, 0.8 days each -> count 5 is not under 5:
    # published, 0.8 -> 1; the sum 4 is itself a count under 5 -> null
    ("los_mean_days", "U1", 4, 5, 0.8, (None, 5, 1, False)),
    # mean over 4 spells -> suppressed (its sum, 400 days, is a count of its own)
    ("los_mean_days", "U2", 400, 4, 100, (400, None, None, True)),
    # a mean cost: GBP 3 over 20 bed days -> the count (20) decides: 0.15 -> 0
    ("cost_per_occupied_bed_day", "U1", 3, 20, 0.15, (None, 20, 0, False)),
    # proportions keep NHS England's numerator-or-denominator rule
    ("readmission_30d_pct", "U1", 3, 40, 7.5, (None, 40, None, True)),
    ("readmission_30d_pct", "U2", 12, 37, 100 * 12 / 37, (10, 35, 32, False)),
    # contacts per WTE is a rate per unit of exposure (catalogue ratio): unchanged,
    # 3 contacts is under 5 -> suppressed
    ("attended_contacts_per_clinical_wte", "U1", 3, 6, 0.5, (None, 5, None, True)),
]


def test_catalogue_kinds() -> None:
    kinds = {m.metric_id: m.value_kind for m in load_catalogue()}
    assert kinds["los_median_days"] == "median"
    assert kinds["los_mean_days"] == "mean"
    assert kinds["attended_contacts_per_clinical_wte"] == "ratio"


def _controlled(rows: list[tuple], kinds: dict[str, str]) -> dict[tuple, tuple]:
    con = duckdb.connect()
    try:
        con.execute("create table t (metric_id varchar, unit_code varchar, numerator double, "
                    "denominator double, value double, kind varchar)")
        con.executemany("insert into t values (?, ?, ?, ?, ?, ?)",
                        [(m, u, n, d, v, kinds[m]) for m, u, n, d, v, _ in rows])
        shape = TableShape(
            [("metric_id", "VARCHAR"), ("unit_code", "VARCHAR"), ("numerator", "DOUBLE"),
             ("denominator", "DOUBLE"), ("value", "DOUBLE"), ("kind", "VARCHAR")],
            kind_column="kind", hidden=("kind",))
        got = con.execute(
            f"select metric_id, unit_code, numerator, denominator, value, suppressed from "
            f"({controlled_select('select * from t', shape, public=True)})").fetchall()
    finally:
        con.close()
    return {(m, u): (n, d, v, s) for m, u, n, d, v, s in got}


def test_means_and_medians_suppress_on_their_count() -> None:
    kinds = {m.metric_id: m.value_kind for m in load_catalogue()}
    got = _controlled(CASES, kinds)
    assert got == {(m, u): expected for m, u, _, _, _, expected in CASES}


def test_internal_mode_keeps_the_median() -> None:
    shape = TableShape([("numerator", "DOUBLE"), ("denominator", "DOUBLE"),
                        ("value", "DOUBLE"), ("kind", "VARCHAR")],
                       kind_column="kind", hidden=("kind",))
    con = duckdb.connect()
    try:
        got = con.execute(
            "select * from (" + controlled_select(
                "select 3.0 as numerator, 4.0 as denominator, 3.0 as value, 'median' as kind",
                shape, public=False) + ")").fetchall()
    finally:
        con.close()
    assert got == [(3.0, 4.0, 3.0, False)]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A public publication of a warehouse holding the cases above."""
    tmp = tmp_path_factory.mktemp("kinds")
    wh = tmp / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    try:
        con.execute("create schema marts; create schema reference")
        csv = str(CATALOGUE_CSV).replace("'", "''")
        con.execute("create table reference.metric_catalogue as select * replace "
                    "(cast(target_value as double) as target_value) from read_csv("
                    f"'{csv}', header = true, all_varchar = true)")
        con.execute("""create table marts.mart_metric_values (
            metric_id varchar, period_start date, period_type varchar, provider_code varchar,
            level varchar, unit_code varchar, unit_name varchar, bed_type_group varchar,
            numerator double, denominator double, value double, is_complete boolean)""")
        con.executemany(
            "insert into marts.mart_metric_values values (?, ?, 'month', 'RXX', 'ward', ?, ?, "
            "'all', ?, ?, ?, true)",
            [(m, MONTH, u, u, n, d, v) for m, u, n, d, v, _ in CASES])
    finally:
        con.close()
    settings = make_settings(tmp, wh, mode="public")
    shutil.rmtree(settings.publish_dir, ignore_errors=True)
    return publish(settings, "run-0001", GATE).database


def test_published_metric_values(published: Path) -> None:
    got = {(m, u): (n, d, v, s) for m, u, n, d, v, s in sql(
        published, "select metric_id, unit_code, numerator, denominator, value, suppressed "
                   "from metric_values")}
    assert got == {(m, u): expected for m, u, _, _, _, expected in CASES}
    # the completeness flag is published as it is
    assert sql(published, "select distinct is_complete from metric_values") == [(True,)]
