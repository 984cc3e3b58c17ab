"""Backfill on a small hand-made warehouse: the marked months are reloaded by the next
ingest with the same row counts, nothing else is touched, and nothing is lost."""

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.load import ingest
from pipelines.operations import backfill as bf
from pipelines.operations.backfill import (
    BackfillError,
    finalise_backfills,
    parse_month,
    request_backfill,
)
from tests.operations.conftest import make_settings
from tests.rawfiles import write_header, write_table

PROVIDERS = ("RXA", "RXB")
MONTHS = ("2024-01", "2024-02", "2024-03")
SLOT_SQL = """
    select '{t}' as t, _provider, strftime(_period_start, '%Y-%m') as m, count(*) as n,
           min(_file_id) as file_id
    from raw.{t} group by all"""
TABLES = ("mhs000_header", "mhs501_hosp_prov_spell", "ledger")


def _q(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _slots(settings) -> dict[tuple[str, str, str], tuple[int, int]]:
    rows = _q(settings, " union all ".join(SLOT_SQL.format(t=t) for t in TABLES))
    return {(t, p, m): (n, fid) for t, p, m, n, fid in rows}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory):
    """Raw folder + warehouse for 2 providers x 3 months, ingested once per module."""
    s = make_settings(tmp_path_factory.mktemp("backfill_template"))
    _write_raw(s)
    report = ingest(s)
    assert not report.problems and report.count("loaded") == 18
    return s


def _copy(template, settings) -> None:
    shutil.copytree(template.raw_dir, settings.raw_dir)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template.warehouse, settings.warehouse)


def _write_raw(settings) -> None:
    raw = settings.raw_dir
    for p in PROVIDERS:
        for i, m in enumerate(MONTHS):
            write_header(raw, p, m)
            spells = [
                {"OrgIDProv": p, "UniqHospProvSpellID": f"{p}-{m}-S{k}",
                 "UniqServReqID": f"{p}-R{k}", "LocalPatientId": f"{p}LP0000000{k}",
                 "StartDateHospProvSpell": f"{m}-0{k}", "MethAdmMHHospProvSpell": "21",
                 "SourceAdmMHHospProvSpell": "19"}
                for k in range(1, 3 + i)
            ]
            spells.append({**spells[0], "UniqHospProvSpellID": f"{p}-{m}-BAD",
                           "MethAdmMHHospProvSpell": "ZZ"})  # quarantined
            write_table(raw, "mhs501_hosp_prov_spell", spells, p, m)
            write_table(raw, "ledger", [
                {"CostCentre": f"CC{k}", "Subjective": "pay_substantive",
                 "AmountGBP": f"{100 * k}.50"} for k in range(1, 4)], p, m)


def test_backfill_reloads_the_months_with_the_same_counts(settings, template) -> None:
    _copy(template, settings)
    before = _slots(settings)
    quarantined_before = _q(settings, """select q.relpath, count(*) from meta.quarantine q
        join meta.manifest m using (file_id) where m.status = 'loaded' group by all""")

    req = request_backfill(settings, parse_month("2024-01"), parse_month("2024-02"), "RXA")
    marked = {f.relpath for f in req.files}
    assert len(marked) == 6 and all(r.split("/")[1] == "RXA" for r in marked)
    assert {r.split("/")[2] for r in marked} == {"2024-01", "2024-02"}
    # one transaction: audit rows written, hashes cleared, statuses and raw rows untouched
    assert _q(settings, "select count(*) from meta.backfill_requests")[0][0] == 6
    assert _q(settings, """select count(*), count(m.content_hash), min(m.status),
        max(m.status) from meta.manifest m join meta.backfill_requests b using (file_id)""")[0] \
        == (6, 0, "loaded", "loaded")
    assert _slots(settings) == before

    report = ingest(settings)
    assert not report.problems
    assert report.count("loaded") == 6 and report.count("unchanged") == 12
    assert {o.relpath for o in report.outcomes if o.status == "loaded"} == marked

    after = _slots(settings)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    reloaded = {k for k in before if after[k][1] != before[k][1]}
    assert reloaded == {(t, "RXA", m) for t in TABLES for m in ("2024-01", "2024-02")}
    quarantined_after = _q(settings, """select q.relpath, count(*) from meta.quarantine q
        join meta.manifest m using (file_id) where m.status = 'loaded' group by all""")
    assert sorted(quarantined_after) == sorted(quarantined_before)

    closed = finalise_backfills(settings)
    assert closed.closed == 6 and closed.pending == []
    # old rows look replaced: superseded by the reload, content_hash back
    old = _q(settings, """select m.status, m.superseded_by is not null,
               m.content_hash = n.content_hash
        from meta.manifest m join meta.manifest n on n.file_id = m.superseded_by
        where m.file_id in (select file_id from meta.backfill_requests)""")
    assert old == [("superseded", True, True)] * 6
    assert _q(settings, "select count(*) from meta.manifest where content_hash is null "
                        "and status <> 'missing'")[0][0] == 0
    assert _q(settings, """select count(*) from meta.manifest where status = 'loaded'
        and rows_loaded + rows_quarantined <> rows_in""")[0][0] == 0

    assert ingest(settings).count("unchanged") == 18  # nothing pending any more

    # a second backfill of the same months reloads them again (restored hashes of the
    # superseded rows must not make the files look unchanged)
    again = request_backfill(settings, date(2024, 1, 1), date(2024, 1, 1), "RXA")
    assert len(again.files) == 6  # 3 loaded rows + their 3 superseded predecessors
    assert ingest(settings).count("loaded") == 3
    assert finalise_backfills(settings).closed == 6
    assert {k: v[0] for k, v in _slots(settings).items()} == {
        k: v[0] for k, v in before.items()}


def test_all_providers_missing_files_and_pending_requests(settings, template) -> None:
    _copy(template, settings)
    before = _slots(settings)
    gone = settings.raw_dir / "finance" / "RXB" / "2024-03" / "ledger.csv"
    gone.unlink()  # a file of the range that is no longer in the raw folder

    req = request_backfill(settings, date(2024, 3, 1), date(2024, 3, 1))
    assert req.missing == ["finance/RXB/2024-03/ledger.csv"]
    assert len(req.files) == 5
    assert "NOT RELOADED" in req.summary()
    # a second request before any ingest: the files are already pending
    again = request_backfill(settings, date(2024, 2, 1), date(2024, 3, 1))
    assert len(again.already_pending) == 5 and len(again.files) == 6
    assert finalise_backfills(settings).pending  # nothing reloaded yet

    report = ingest(settings)
    assert report.count("loaded") == 11
    done = finalise_backfills(settings)
    assert done.closed == 11 and done.pending == []
    assert _slots(settings)[("ledger", "RXB", "2024-03")] == before[("ledger", "RXB", "2024-03")]
    assert {k: v[0] for k, v in _slots(settings).items()} == {
        k: v[0] for k, v in before.items()}


def test_cancel_dry_run_and_errors(settings, template) -> None:
    with pytest.raises(BackfillError, match="no warehouse"):
        request_backfill(settings, date(2024, 1, 1), date(2024, 1, 1))
    _copy(template, settings)
    dry = request_backfill(settings, date(2024, 1, 1), date(2024, 3, 1), dry_run=True)
    assert len(dry.files) == 18
    assert _q(settings, "select count(*) from meta.manifest where content_hash is null "
                        "and status <> 'missing'")[0][0] == 0
    with pytest.raises(BackfillError, match="nothing to backfill"):
        request_backfill(settings, date(2024, 1, 1), date(2024, 3, 1), provider="RZZ")
    with pytest.raises(BackfillError, match="after"):
        request_backfill(settings, date(2024, 3, 1), date(2024, 1, 1))
    with pytest.raises(BackfillError, match="YYYY-MM"):
        parse_month("2024-13")

    request_backfill(settings, date(2024, 1, 1), date(2024, 1, 1), provider="RXB")
    cancelled = finalise_backfills(settings, cancel_pending=True)
    assert cancelled.closed == 3 and cancelled.pending == []
    assert ingest(settings).count("unchanged") == 18  # cancelled: nothing reloaded


def test_command_marks_runs_and_closes(settings, template, monkeypatch, capsys) -> None:
    _copy(template, settings)
    runs: list[datetime] = []

    def fake_pipeline(s) -> bool:  # the real one runs dbt; ingest is what matters here
        runs.append(datetime.now())
        return not ingest(s).problems

    monkeypatch.setattr(bf, "_run_pipeline", fake_pipeline)
    code = bf.backfill(settings, date(2024, 2, 1), date(2024, 3, 1), provider="RXB")
    out = capsys.readouterr().out
    assert code == 0 and len(runs) == 1
    assert "6 file(s) to reload" in out
    assert "pipeline succeeded; 6 manifest row(s) reloaded" in out
    assert not (settings.warehouse.parent / ".pipeline.lock").read_text()

    env = {"MHP_RAW_DIR": str(settings.raw_dir), "MHP_WAREHOUSE": str(settings.warehouse),
           "MHP_PUBLISH_DIR": str(settings.publish_dir),
           "DAGSTER_HOME": str(settings.dagster_home)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert bf.main(["--from", "2024-01", "--to", "2024-01", "--no-run"]) == 0
    assert "marked; the next pipeline run reloads these files" in capsys.readouterr().out
    assert bf.main(["--from", "2024-1", "--to", "2024-01"]) == 2
    assert "is not a month" in capsys.readouterr().err
    assert bf.main(["--cancel-pending"]) == 0
    assert "closed 6" in capsys.readouterr().out


def test_make_target_exists() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "\nbackfill:" in makefile and "pipelines.operations.backfill" in makefile
