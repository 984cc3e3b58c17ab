"""Two ingests on one warehouse at once: the second waits (or fails cleanly), never corrupts.

(Two whole pipeline runs are serialised by pipeline_lock; see test_crash.py.)
"""

import json
import time
from pathlib import Path

from .helpers import FEB, Case, check_invariants, write_submission
from .procs import finish, start_ingest, wait_for, wait_paused


def report_of(log: Path) -> dict[str, str]:
    lines = [x for x in log.read_text(errors="replace").splitlines() if x.startswith("REPORT ")]
    assert lines, log.read_text(errors="replace")[-3000:]
    return json.loads(lines[-1].removeprefix("REPORT "))


def test_fault_concurrent_ingest(case: Case, tmp_path: Path) -> None:
    write_submission(case.raw, FEB)
    logs = tmp_path / "logs"
    # A: pauses inside the transaction of each file it loads, holding the warehouse
    first = start_ingest(case.settings, logs / "first.log", MHP_TEST_PAUSE_AT="ingest")
    marker = wait_paused(case.settings, "ingest", first, 120, logs / "first.log")
    # B waits for the warehouse; C gives up after half a second
    second = start_ingest(case.settings, logs / "second.log", lock_wait_s=120)
    impatient = start_ingest(case.settings, logs / "impatient.log", lock_wait_s=0.5)
    assert finish(impatient, 120) == 1
    text = (logs / "impatient.log").read_text(errors="replace")
    assert "WarehouseBusy: the warehouse" in text and "is in use by another process" in text
    assert "Could not set lock on file" in text and f"PID {first.pid}" in text, text[-2000:]
    wait_for("the second ingest to report waiting",
             lambda: "is locked by another process; waiting" in
             (logs / "second.log").read_text(errors="replace"), second, 60, logs / "second.log")
    assert second.poll() is None
    # let A go on: it pauses at every file it loads, so keep resuming it until it is done
    deadline = time.monotonic() + 180
    while first.poll() is None and time.monotonic() < deadline:
        if marker.exists():
            marker.unlink()
        time.sleep(0.02)
    assert finish(first, 10) == 0, (logs / "first.log").read_text(errors="replace")[-3000:]
    assert finish(second, 120) == 0, (logs / "second.log").read_text(errors="replace")[-3000:]
    a, b = report_of(logs / "first.log"), report_of(logs / "second.log")
    feb = [r for r in a if "/2024-02/" in r]
    assert len(feb) == 11 and {a[r] for r in feb} == {"loaded"}
    assert {b[r] for r in feb} == {"unchanged"}  # B saw A's finished work, loaded nothing twice
    check_invariants(case.settings)
    assert case.q("select relpath, count(*) from meta.manifest group by 1 having count(*) > 1 "
                  "and relpath like '%2024-02%'") == []
    assert len(case.rows("mhs501_hosp_prov_spell", FEB)) == 2
    case.assert_kept()
    assert not marker.exists()
