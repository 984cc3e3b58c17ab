"""One end-to-end run of the real pipeline (Dagster job with every asset) on
small generated data, then checks across the layers, then an idempotent rerun."""

import math

import duckdb
import pytest

from pipelines.catalogue import load_catalogue
from pipelines.publish import scan_for_identifiers
from pipelines.run import run_pipeline
from tests.conftest import PipelineRun

pytestmark = pytest.mark.e2e


def wh(run: PipelineRun) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(run.settings.warehouse), read_only=True)


def test_run_succeeds_and_publishes(pipeline_run: PipelineRun) -> None:
    assert pipeline_run.success
    pub = pipeline_run.settings.publish_dir
    assert (pub / "marts.duckdb").exists()
    assert any((pub / "parquet").iterdir())
    assert (pub / "dashboard" / "index.html").exists()
    assert (pub / "data_docs").is_dir()
    con = duckdb.connect(str(pub / "marts.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert {"metric_values", "metric_catalogue", "publish_log", "spc", "funnel"} <= tables
        gate = con.execute("select gate_summary from publish_log").fetchall()[0][0]
        assert '"passed": true' in gate
    finally:
        con.close()


def test_every_input_row_loaded_or_quarantined(pipeline_run: PipelineRun) -> None:
    con = wh(pipeline_run)
    try:
        bad = con.execute(
            "select relpath from meta.manifest where status = 'loaded' "
            "and rows_in <> rows_loaded + rows_quarantined").fetchall()
        assert bad == []
        # raw row counts equal the manifest's loaded counts for current files
        for (table,) in con.execute(
                "select distinct table_name from meta.manifest where status = 'loaded'"
        ).fetchall():
            raw_n = con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
            man_n = con.execute(
                "select sum(rows_loaded) from meta.manifest where status = 'loaded' "
                "and table_name = ?", [table]).fetchall()[0][0]
            assert raw_n == man_n, table
    finally:
        con.close()


def test_staging_keeps_one_current_version(pipeline_run: PipelineRun) -> None:
    con = wh(pipeline_run)
    try:
        # spells are sent once per month they are active: several raw rows, one staged
        multi = con.execute(
            "select UniqHospProvSpellID, count(*) from raw.mhs501_hosp_prov_spell "
            "group by 1 having count(*) >= 3 limit 50").fetchall()
        assert multi, "generated data should have spells spanning 3+ submissions"
        ids = [m[0] for m in multi]
        staged = con.execute(
            "select uniq_hosp_prov_spell_id, count(*) from staging.stg_mhsds__hosp_prov_spell "
            f"where uniq_hosp_prov_spell_id in ({', '.join('?' * len(ids))}) group by 1",
            ids).fetchall()
        assert len(staged) == len(ids) and all(n == 1 for _, n in staged)
        # the staged version is the one from the latest submission
        latest = con.execute(
            "select count(*) from staging.stg_mhsds__hosp_prov_spell s where "
            "s.reporting_period_start <> (select max(_period_start) from "
            "raw.mhs501_hosp_prov_spell r where r.UniqHospProvSpellID = s.uniq_hosp_prov_spell_id)"
        ).fetchall()[0][0]
        assert latest == 0
    finally:
        con.close()


def test_every_catalogue_metric_is_published(pipeline_run: PipelineRun) -> None:
    con = duckdb.connect(str(pipeline_run.settings.publish_dir / "marts.duckdb"), read_only=True)
    try:
        got = {r[0] for r in con.execute(
            "select distinct metric_id from metric_values").fetchall()}
        expected = {m.metric_id for m in load_catalogue()}
        assert expected - got == set()
        # plausibility of the demo figures (orders of magnitude in metrics.md)
        los = con.execute(
            "select sum(numerator) / sum(denominator) from metric_values where "
            "metric_id = 'los_mean_days' and level = 'provider' and bed_type_group = "
            "'adult_acute' and period_type = 'month'").fetchall()[0][0]
        assert 15 < los < 80
        occ = con.execute(
            "select avg(value) from metric_values where metric_id = 'occupancy_pct' and "
            "level = 'provider' and bed_type_group = 'adult_acute'").fetchall()[0][0]
        assert 60 < occ < 110
        assert scan_for_identifiers(con) == []
    finally:
        con.close()


def _sorted(rows: list[tuple]) -> list[tuple]:
    """Rows in a stable order: by their non-float fields (the mart's key)."""
    return sorted(rows, key=lambda row: repr([v for v in row if not isinstance(v, float)]))


def _same(a: list[tuple], b: list[tuple]) -> bool:
    """Equal, floats within 1e-9 relative (sums in another row order differ in the last
    bits)."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        for va, vb in zip(ra, rb, strict=True):
            if isinstance(va, float) and isinstance(vb, float):
                if not math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif va != vb:
                return False
    return True


def test_rerun_is_idempotent(pipeline_run: PipelineRun) -> None:
    con = duckdb.connect(str(pipeline_run.settings.publish_dir / "marts.duckdb"), read_only=True)
    before = _sorted(con.execute("select * from metric_values").fetchall())
    con.close()
    assert run_pipeline(pipeline_run.settings)
    c2 = wh(pipeline_run)
    try:
        last = c2.execute("select files_loaded, files_unchanged from meta.ingest_runs "
                          "order by started_at desc limit 1").fetchall()[0]
        assert last[0] == 0 and last[1] > 0
    finally:
        c2.close()
    con = duckdb.connect(str(pipeline_run.settings.publish_dir / "marts.duckdb"), read_only=True)
    after = _sorted(con.execute("select * from metric_values").fetchall())
    con.close()
    assert _same(before, after)
