"""make check-raw: a drop folder checked through the ingest's own code, nothing loaded."""

import os
import subprocess
from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.ingest import check
from tests.ingest.test_your_data import LEDGER, WARD_COLUMNS, WARDS, no_org, write_csv
from tests.rawfiles import write_table


def drop_folder(raw: Path, refused: bool) -> None:
    """A good file, a file with a quarantined row, an ignored file and (``refused``) a file
    that would be refused."""
    write_table(raw, "ledger", LEDGER, "RXA", "2024-01")
    bad = {**LEDGER[0], "CostCentre": "CC2", "AmountGBP": "twelve"}
    write_table(raw, "ledger", [LEDGER[0], bad, {**bad, "CostCentre": "CC3"}], "RXA", "2024-02")
    (raw / "reference").mkdir(parents=True, exist_ok=True)
    (raw / "reference" / "teams.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    write_csv(raw / "reference" / "wards.csv", no_org(),
              [{**w, "EffectiveFrom": "25/04/2020"} for w in WARDS] if refused else WARDS)


def run_check(raw: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              warehouse: Path) -> tuple[int, list[str]]:
    monkeypatch.setenv("MHP_WAREHOUSE", str(warehouse))
    code = check.main([str(raw)])
    return code, capsys.readouterr().out.splitlines()


def test_check_reports_load_quarantine_refusal_and_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    drop_folder(raw, refused=True)
    warehouse = tmp_path / "wh.duckdb"
    code, lines = run_check(raw, monkeypatch, capsys, warehouse)
    assert code == 1
    assert lines[0] == f"check-raw {raw} (nothing is loaded; the warehouse is not opened)"
    assert lines[1:6] == [
        "IGNORED     reference/teams.xls: unsupported type .xls: save as .xlsx or .csv",
        "LOAD        finance/RXA/2024-01/ledger.csv: 1 row",
        "QUARANTINE  finance/RXA/2024-02/ledger.csv: 1 of 3 rows would load, 2 quarantined",
        "              2 x AmountGBP: not a valid number (e.g. line 3, value 'twelve')",
        "REFUSED     reference/wards.csv: dates are written dd/mm/yyyy (a day above 12 comes "
        "first): EffectiveFrom '25/04/2020'; the contract's dates are YYYY-MM-DD. Save the "
        "extract with YYYY-MM-DD dates, or set MHP_DATE_FORMAT_REFERENCE=dmy to read the "
        "reference files' dates as dd/mm/yyyy (and dd/mm/yyyy hh:mm[:ss])",
    ]
    assert lines[6].startswith("3 file(s): 2 would load (1 with quarantined rows), 1 would be "
                               "refused, 1 ignored; 2 rows would load, 2 quarantined (")
    assert lines[7] == "NOT OK: 1 file(s) would be refused (exit code 1)"
    assert not warehouse.exists()  # the warehouse is never opened


def test_check_exit_code_0_when_nothing_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    drop_folder(raw, refused=False)
    code, lines = run_check(raw, monkeypatch, capsys, tmp_path / "wh.duckdb")
    assert code == 0
    assert "LOAD        reference/wards.csv: 2 rows" in lines
    assert "OK: nothing would be refused" in lines


def test_check_bad_setting_or_missing_folder_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check.main([str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.setenv("MHP_DATE_FORMAT_FINANCE", "american")
    assert check.main([str(tmp_path)]) == 2
    assert "MHP_DATE_FORMAT_FINANCE must be one of iso, dmy, not 'american'" \
        in capsys.readouterr().err


def test_make_check_raw(tmp_path: Path) -> None:
    """The real command: make must not reinstall (.venv/.installed is newer than the lock)."""
    raw = tmp_path / "raw"
    drop_folder(raw, refused=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHP_")}
    env["MHP_WAREHOUSE"] = str(tmp_path / "wh.duckdb")
    cmd = ["make", "--no-print-directory", "check-raw", f"MHP_RAW_DIR={raw}"]
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr  # make's code for a failed recipe
    assert "uv sync" not in done.stdout
    assert "REFUSED     reference/wards.csv: dates are written dd/mm/yyyy" in done.stdout
    assert "NOT OK: 1 file(s) would be refused (exit code 1)" in done.stdout
    write_csv(raw / "reference" / "wards.csv", WARD_COLUMNS,
              [{**w, "OrgIDProv": "RXA"} for w in WARDS])
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: nothing would be refused" in done.stdout
    assert not (tmp_path / "wh.duckdb").exists()
