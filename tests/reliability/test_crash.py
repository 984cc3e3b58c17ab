"""Crash safety (SIGKILL during ingest, dbt and publish), concurrent BI readers, two
triggers at once, and no secret in any log.

Costs are kept down by killing at the cheapest level that makes the point:

- ingest: a child process running ``ingest`` on a hand-made warehouse;
- publish: a child process running ``publish`` on a copy of the session's finished run,
  at four points (while building, built, staged, between the two swaps);
- dbt: a ``dbt build`` killed while it writes the warehouse, then the next whole pipeline
  run (``run_pipeline``) must succeed and publish: one module-scoped sequence on a copy
  of the session's finished run, with the pseudonym key set and two BI readers attached
  throughout (and, if run_pipeline takes the pipeline lock, another process holding it
  when the run starts).
"""

import inspect
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR, Settings, load_settings
from pipelines.dbt_project import dbt_env, dbt_executable
from pipelines.ingest.load import ingest
from pipelines.publish import list_versions, live_state, publish
from pipelines.publish.files import LIVE_DB, LIVE_PARQUET, sha256_file
from tests.conftest import PipelineRun

from .helpers import (
    FEB,
    JAN,
    Case,
    check_invariants,
    month_tables,
    settings_at,
    snapshot,
    spell,
    write_submission,
)
from .pausing import MARKER_PREFIX, marker_path
from .procs import child_env, finish, kill_group, start, wait_for, wait_paused

SECRET = "reliability-test-secret-5d1e0c7a-do-not-log"


# ------------------------------------------------------------------ helpers
def leftovers(*roots: Path) -> list[str]:
    """Temporary or WAL files and pause markers: none may survive a completed run."""
    out = []
    for root in roots:
        for p in root.rglob("*"):
            if ".tmp" in p.name or p.name.endswith(".wal") or p.name.startswith(MARKER_PREFIX):
                out.append(str(p.relative_to(root)))
    return sorted(out)


def live_files(publish_dir: Path) -> tuple[str, str]:
    return sha256_file(publish_dir / LIVE_DB), os.readlink(publish_dir / LIVE_PARQUET)


def publish_log(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select version_id, row_counts from publish_log").fetchall()
    finally:
        con.close()


def assert_whole(publish_dir: Path) -> None:
    """Each live path is one complete kept version (they may differ right after a crash)."""
    versions = {v.version_id: v for v in list_versions(publish_dir)}
    digest = sha256_file(publish_dir / LIVE_DB)
    owners = [v for v in versions.values() if v.files.get(LIVE_DB) == digest]
    assert owners, "the live marts.duckdb is not a complete kept version"
    rows = publish_log(publish_dir / LIVE_DB)
    assert len(rows) == 1 and rows[0][0] in {v.version_id for v in owners}
    target = Path(os.readlink(publish_dir / LIVE_PARQUET))
    v = versions[target.parts[-2]]
    for rel, sha in v.files.items():
        if rel.startswith(LIVE_PARQUET + "/"):
            assert sha256_file(v.path / rel) == sha, rel


def assert_consistent_publication(settings: Settings) -> str:
    """The publication after a completed run: one version everywhere, counts that match."""
    pub = settings.publish_dir
    state = live_state(pub)
    assert state.consistent and state.current is not None, state
    newest = list_versions(pub)[-1]
    assert state.current == newest.version_id
    rows = publish_log(pub / LIVE_DB)
    assert len(rows) == 1 and rows[0][0] == newest.version_id
    assert json.loads(rows[0][1]) == newest.row_counts
    con = duckdb.connect(str(pub / LIVE_DB), read_only=True)
    try:
        for table, n in newest.row_counts.items():
            assert con.execute(f'select count(*) from "{table}"').fetchall()[0][0] == n, table
            pq = str(pub / LIVE_PARQUET / f"{table}.parquet")
            assert con.execute("select count(*) from read_parquet(?)", [pq]).fetchall()[0][0] \
                == n, table
    finally:
        con.close()
    assert leftovers(pub) == [], leftovers(pub)
    return newest.version_id


def copy_run(src: Settings, root: Path, raw: bool = True, **env: str) -> Settings:
    s = settings_at(root, **env)
    if raw:
        shutil.copytree(src.raw_dir, s.raw_dir)
    shutil.copytree(src.warehouse.parent, s.warehouse.parent)
    shutil.copytree(src.publish_dir, s.publish_dir, symlinks=True)
    for p in leftovers(s.warehouse.parent):
        (s.warehouse.parent / p).unlink()
    return s


@pytest.fixture(scope="module")
def finished(pipeline_run: PipelineRun) -> Settings:
    assert pipeline_run.success, "the session's pipeline run failed: nothing to crash-test"
    return pipeline_run.settings


# ------------------------------------------------------------------ ingest
def test_fault_crash_during_ingest(case: Case, tmp_path: Path) -> None:
    # January refreshed (one spell discharged) and February delivered
    tables = month_tables(JAN)
    tables["mhs501_hosp_prov_spell"][0] = spell("S1", "RXALP00000001", "2023-12-28",
                                                 "2024-01-30")
    write_submission(case.raw, JAN, tables, created=datetime(2024, 3, 1, 9))
    write_submission(case.raw, FEB)
    # the same delivery ingested without a crash, for comparison
    reference = settings_at(tmp_path / "reference")
    shutil.copytree(case.raw, reference.raw_dir)
    shutil.copytree(case.settings.warehouse.parent, reference.warehouse.parent)
    ingest(reference)

    last_id = case.q("select max(file_id) from meta.manifest")[0][0]
    log = tmp_path / "ingest.log"
    child = start(["-c", "from pipelines.config import load_settings; "
                         "from pipelines.ingest.load import ingest; ingest(load_settings())"],
                  child_env(case.settings, MHP_TEST_PAUSE_AT="ingest"), log)
    marker = wait_paused(case.settings, "ingest", child, 120, log)
    marker.unlink()  # let the first file commit ...
    wait_paused(case.settings, "ingest", child, 60, log)
    kill_group(child)  # ... and kill inside the second file's transaction
    finish(child, 5)
    marker.unlink()

    # after the crash: the warehouse opens, is consistent, holds exactly one new file
    check_invariants(case.settings)
    new = case.q("select relpath, status from meta.manifest where file_id > ?", [last_id])
    assert new == [(case.relpath("mhs000_header"), "loaded")], new
    # the next run completes and ends where an uninterrupted run ends
    report = ingest(case.settings)
    assert not report.problems
    check_invariants(case.settings)
    assert snapshot(case.settings) == snapshot(reference)
    latest = ("select relpath, status from meta.manifest qualify row_number() over "
              "(partition by relpath order by file_id desc) = 1 order by 1")
    assert case.q(latest) == [tuple(r) for r in duckdb.connect(
        str(reference.warehouse), read_only=True).execute(latest).fetchall()]
    assert leftovers(case.settings.warehouse.parent) == []


# ------------------------------------------------------------------ publish
PUBLISH_CHILD = """
import os, sys, time
from pathlib import Path
from pipelines.config import load_settings
from pipelines.publish import build, publisher, versions

point, marker = sys.argv[1], Path(sys.argv[2])

def pause():
    marker.write_text(str(os.getpid()))
    while True:
        time.sleep(1)

if point == "building":  # the temporary file half written (2 tables), connection open
    real_create, made = build._create, []
    def create(con, name, sql):
        real_create(con, name, sql)
        made.append(name)
        if len(made) == 2:
            pause()
    build._create = create
elif point == "built":  # temporary database and Parquet folder complete, not yet staged:
    pass  # the MHP_TEST_PAUSE_AT=publish hook in publisher.py pauses here
elif point == "staged":  # version folder complete, nothing live changed
    publisher.activate = lambda *a, **k: pause()
elif point == "between_swaps":  # marts.duckdb replaced, parquet link not yet
    versions.swap_symlink = lambda *a, **k: pause()
publisher.publish(load_settings(), "run-killed-" + point, {"passed": True})
"""


@pytest.mark.parametrize("point", ["building", "built", "staged", "between_swaps"])
def test_fault_crash_during_publish(finished: Settings, tmp_path: Path, point: str) -> None:
    s = copy_run(finished, tmp_path / "run", raw=False)
    pub = s.publish_dir
    before = live_files(pub)
    old_version = live_state(pub).current
    marker = tmp_path / "paused"
    log = tmp_path / "publish.log"
    env = child_env(s)
    if point == "built":  # the real pause point (tests/reliability/pausing.py) writes this marker
        env["MHP_TEST_PAUSE_AT"] = "publish"
        marker = marker_path(s, "publish")
    child = start(["-c", PUBLISH_CHILD, point, str(marker)], env, log)
    wait_for(f"publish to reach {point}", marker.exists, child, 180, log)
    kill_group(child)
    finish(child, 5)
    marker.unlink()

    # right after the crash: readers see whole versions only
    assert_whole(pub)
    if point == "between_swaps":
        killed = [v for v in list_versions(pub) if v.run_id == "run-killed-between_swaps"]
        assert live_files(pub)[0] == killed[0].files[LIVE_DB] and not killed[0].went_live
        assert live_files(pub)[1] == before[1]
    else:
        assert live_files(pub) == before
    assert leftovers(pub) != [] or point == "between_swaps"

    # the next publish cleans up and goes live consistently
    result = publish(s, "run-after-crash", {"passed": True})
    assert result.cleaned or point == "between_swaps"
    assert assert_consistent_publication(s) == result.version_id
    assert old_version in {v.version_id for v in list_versions(pub)}
    for v in list_versions(pub):
        if v.run_id.startswith("run-killed"):
            assert not v.went_live  # never picked by a default rollback


# ------------------------------------------------------ whole pipeline sequence
READER = """
import duckdb, json, os, sys, time
db, out, stop, mode = sys.argv[1:5]
log = open(out, "a", buffering=1)

def look(con):
    v = con.execute("select version_id from publish_log").fetchall()
    n = con.execute("select count(*) from metric_values").fetchall()[0][0]
    assert len(v) == 1, v
    return v[0][0], n

held = duckdb.connect(db, read_only=True) if mode == "hold" else None
while not os.path.exists(stop):
    rec = {"t": time.time()}
    try:
        if held is not None:
            rec["version"], rec["rows"] = look(held)
        else:
            con = duckdb.connect(db, read_only=True)
            try:
                rec["version"], rec["rows"] = look(con)
            finally:
                con.close()
    except Exception as exc:
        rec["error"] = f"{type(exc).__name__}: {exc}"
    log.write(json.dumps(rec) + "\\n")
    time.sleep(0.4)
"""


@dataclass
class Sequence:
    settings: Settings
    logs: Path
    old_version: str
    old_live: tuple[str, str]
    after_dbt_kill: tuple[str, str] | None = None
    dbt_killed: bool = False
    wal_after_kill: bool = False
    lock_used: bool = False
    waited_for_lock: bool | None = None
    final_rc: int | None = None
    readers: dict[str, list[dict]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def bump_a_cost(raw: Path) -> None:
    """Change one PLICS cost of the last month (a file with identifiers: the key is used)."""
    path = sorted(raw.glob("costing/*/*/plics.csv"))[-1]
    lines = path.read_text(encoding="utf-8").splitlines()
    head, first = lines[0].split(","), lines[1].split(",")
    i = head.index("CostGBP")
    first[i] = f"{float(first[i]) + 1234.5:.2f}"
    lines[1] = ",".join(first)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


LOCK_HOLDER = """
import sys, time
from pipelines.config import load_settings
from pipelines.operations.lock import pipeline_lock
with pipeline_lock(load_settings(), timeout_s=0):
    print("ready", flush=True)
    time.sleep(5)
    released = time.time()
open(sys.argv[1], "w").write(repr(released))
"""


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """os.environ replaced by ``env`` for the duration (the assets read their settings)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def captured_output(path: Path) -> Iterator[None]:
    """Everything this process (and its children: dbt) writes to stdout/stderr -> ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    with open(path, "ab", buffering=0) as fh:
        saved_fds = [os.dup(1), os.dup(2)]
        saved_streams = sys.stdout, sys.stderr
        text = open(fh.fileno(), "w", buffering=1, closefd=False)  # noqa: SIM115
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        sys.stdout = sys.stderr = text
        try:
            yield
        finally:
            text.flush()
            sys.stdout, sys.stderr = saved_streams
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            for fd in saved_fds:
                os.close(fd)


def run_uses_lock() -> bool:
    from pipelines import run as run_mod

    return "pipeline_lock" in inspect.getsource(run_mod)


@pytest.fixture(scope="module")
def sequence(finished: Settings, tmp_path_factory: pytest.TempPathFactory) -> Sequence:
    root = tmp_path_factory.mktemp("crash_sequence")
    s = copy_run(finished, root, MHP_PSEUDONYM_KEY=SECRET)
    bump_a_cost(s.raw_dir)
    logs = root / "logs"
    logs.mkdir()
    seq = Sequence(s, logs, live_state(s.publish_dir).current or "", live_files(s.publish_dir))
    stop = logs / "stop-readers"
    readers = {mode: start(["-c", READER, str(s.publish_dir / LIVE_DB),
                            str(logs / f"reader-{mode}.jsonl"), str(stop), mode],
                           dict(os.environ), logs / f"reader-{mode}.log")
               for mode in ("reconnect", "hold")}
    try:
        wait_for("the readers' first reads", lambda: all(
            (logs / f"reader-{m}.jsonl").exists() for m in readers), None, 60)
        env = child_env(s)

        # 1. dbt killed while its build writes the warehouse: what a crash of the pipeline
        #    during its dbt step does to the warehouse (the process group of a killed
        #    `python -m pipelines.run` includes dbt), without paying for a second start-up
        t = time.monotonic()
        log1 = logs / "run1-dbt-kill.log"
        run1 = start([dbt_executable(), "build", "--project-dir", str(DBT_PROJECT_DIR),
                      "--profiles-dir", str(DBT_PROJECT_DIR)],
                     {**env, **dbt_env(s)}, log1, python=False)
        wal = s.warehouse.with_name(s.warehouse.name + ".wal")

        def dbt_writing() -> bool:
            return wal.exists() and " OK created " in log1.read_text(errors="replace")

        wait_for("dbt to write to the warehouse", dbt_writing, run1, 600, log1)
        seq.dbt_killed = run1.poll() is None
        kill_group(run1)
        finish(run1, 5)
        seq.after_dbt_kill = live_files(s.publish_dir)
        seq.wal_after_kill = wal.exists()
        seq.timings["run1_killed_in_dbt"] = time.monotonic() - t

        # 2. the next run, in this process (its Dagster definitions are already loaded:
        #    no second start-up), with its output captured; if run_pipeline takes the
        #    pipeline lock, another process holds it for the first seconds
        t = time.monotonic()
        log2 = logs / "run2-final.log"
        seq.lock_used = run_uses_lock()
        holder = None
        if seq.lock_used:
            holder = start(["-c", LOCK_HOLDER, str(logs / "lock-released")], env,
                           logs / "lock-holder.log")
            wait_for("the lock holder", lambda: "ready" in (logs / "lock-holder.log")
                     .read_text(errors="replace"), holder, 60)
        with environment(env), captured_output(log2):
            from pipelines.run import run_pipeline

            ok = run_pipeline(load_settings())
        seq.final_rc = 0 if ok else 1
        if holder is not None:
            finish(holder, 30)
            released = float((logs / "lock-released").read_text())
            con = duckdb.connect(str(s.warehouse), read_only=True)
            try:
                started = con.execute("select max(started_at) from meta.ingest_runs"
                                      ).fetchall()[0][0]
            finally:
                con.close()
            seq.waited_for_lock = started.timestamp() >= released
        seq.timings["run2_full"] = time.monotonic() - t
    finally:
        stop.write_text("stop")
        for proc in readers.values():
            try:
                finish(proc, 30)
            except Exception:
                kill_group(proc)
    for mode in readers:
        seq.readers[mode] = [json.loads(x) for x in
                             (logs / f"reader-{mode}.jsonl").read_text().splitlines() if x]
    return seq


def test_fault_crash_during_dbt(sequence: Sequence) -> None:
    assert sequence.dbt_killed, "dbt had finished before the kill"
    assert sequence.wal_after_kill  # killed mid-write: DuckDB must replay it next time
    # the kill changed nothing a reader can see
    assert sequence.after_dbt_kill == sequence.old_live
    # the next run completes and publishes a new, consistent version
    log = (sequence.logs / "run2-final.log").read_text(errors="replace")
    assert sequence.final_rc == 0, log[-4000:]
    new = assert_consistent_publication(sequence.settings)
    assert new != sequence.old_version
    assert leftovers(sequence.settings.warehouse.parent) == []


def test_fault_bi_reader_during_run(sequence: Sequence) -> None:
    assert sequence.final_rc == 0
    new = live_state(sequence.settings.publish_dir).current
    for mode, records in sequence.readers.items():
        errors = [r for r in records if "error" in r]
        assert not errors, (mode, errors[:3])
        assert len(records) > 20, mode
        seen = [r["version"] for r in records]
        assert seen[0] == sequence.old_version, mode
        changes = [b for a, b in zip(seen, seen[1:], strict=False) if a != b]
        if mode == "hold":  # an open connection keeps reading the file it opened
            assert set(seen) == {sequence.old_version}
        else:  # a reconnecting reader moves from the old publication to the new, once
            assert seen[-1] == new and changes == [new], (mode, changes)


def test_fault_two_triggers_at_once(sequence: Sequence) -> None:
    if not sequence.lock_used:
        pytest.skip("pipelines.run.run_pipeline does not take pipeline_lock yet: two runs "
                    "at once are not serialised (ingest alone waits: test_concurrency.py)")
    assert sequence.waited_for_lock, "the second run did not wait for the pipeline lock"
    assert sequence.final_rc == 0


def test_fault_secret_in_logs(sequence: Sequence) -> None:
    s = sequence.settings
    assert s.pseudonym_key == SECRET and SECRET not in repr(s)
    needle = SECRET.encode()
    scanned = 0
    hits = []
    for root in (sequence.logs, s.dagster_home, s.dbt_target_path, s.publish_dir,
                 s.warehouse.parent):
        assert root is not None
        for p in root.rglob("*"):
            if p.is_file() and not p.is_symlink():
                scanned += 1
                if needle in p.read_bytes():
                    hits.append(str(p))
    assert not hits, hits
    # the event log really is there and readable (so the scan above means something)
    event_text = b"".join(p.read_bytes() for p in s.dagster_home.rglob("*")
                          if p.is_file() and p.stat().st_size < 50_000_000)
    assert b"ingest_raw_extracts" in event_text and scanned > 20
    # DuckDB files may compress strings: search them with SQL as well
    for db in (s.warehouse, s.publish_dir / LIVE_DB):
        con = duckdb.connect(str(db), read_only=True)
        try:
            cols = con.execute(
                "select schema_name, table_name, column_name from duckdb_columns() "
                "where data_type = 'VARCHAR' and not internal and database_name = "
                "current_database()").fetchall()
            for schema, table, col in cols:
                n = con.execute(f'select count(*) from "{schema}"."{table}" '
                                f'where contains("{col}", ?)', [SECRET]).fetchall()[0][0]
                assert n == 0, (db, schema, table, col)
        finally:
            con.close()
    # the key was really used: the changed PLICS file was loaded (pseudonymised with it)
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from meta.manifest where relpath like 'costing/%' "
                           "and status = 'superseded'").fetchall()[0][0] >= 1
    finally:
        con.close()
