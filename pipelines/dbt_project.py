"""The dbt project as Dagster sees it, an offline dbt CLI resource, and the dbt build's
log file and summary (what the dbt step writes instead of echoing dbt to the console)."""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import IO, Any, TypeVar

from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from dagster_shared.record import replace as replace_record
from packaging import version

from pipelines.config import DBT_PROJECT_DIR, Settings, load_settings


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (not whatever is first on PATH)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for dbt subprocesses: warehouse path and no usage tracking."""
    env = {
        "MHP_WAREHOUSE": str(settings.warehouse),
        "MHP_DBT_TARGET": settings.dbt_target,
        "MHP_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        # the Spark outputs of profiles.yml (read only when MHP_DBT_TARGET selects them)
        "MHP_SPARK_DIR": str(settings.spark_dir),
        "MHP_SPARK_RAW_LOCATION": settings.spark_raw_uri,
        "MHP_SPARK_MASTER": settings.spark_master,
        "MHP_SPARK_DRIVER_MEMORY": settings.spark_driver_memory,
        "MHP_SPARK_SHUFFLE_PARTITIONS": str(settings.spark_shuffle_partitions),
    }
    if settings.dbt_target_path is not None:
        # a private target/log folder, so parallel dbt runs (tests, benchmark) never collide
        env["DBT_TARGET_PATH"] = str(settings.dbt_target_path)
        env["DBT_LOG_PATH"] = str(settings.dbt_target_path / "logs")
    return env


def export_dbt_env(settings: Settings) -> None:
    """dagster-dbt passes the process environment to dbt; set what dbt reads. Called by
    the dbt step when it runs (never at import)."""
    os.environ.update(dbt_env(settings))


MANIFEST_FINGERPRINT = ".mhp_manifest_fingerprint"
_NOT_PROJECT = {"target", "logs", "dbt_packages", ".user.yml"}


def manifest_fingerprint(env: dict[str, str]) -> str:
    """Hash of everything a parse reads: the project's files, dbt's version and the
    MHP_/DBT_ environment (profiles.yml and the models read it through env_var)."""
    digest = hashlib.sha256(pkg_version("dbt-core").encode())
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        rel = path.relative_to(DBT_PROJECT_DIR)
        if rel.parts[0] in _NOT_PROJECT or not path.is_file():
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    for key in sorted(k for k in env if k.startswith(("MHP_", "DBT_"))):
        digest.update(f"{key}={env[key]}\0".encode())
    return digest.hexdigest()


def prepare_manifest(settings: Settings, force: bool = False) -> Path:
    """Run ``dbt parse`` into dbt_project/target (dagster-dbt reads the manifest there at
    import). ``force``: parse again unless the manifest was parsed from exactly the same
    project files, dbt version and settings (a stored fingerprint), so a changed project is
    never run with a stale manifest and an unchanged one skips dbt's start-up cost."""
    target = DBT_PROJECT_DIR / "target"
    manifest = target / "manifest.json"
    env = {**os.environ, **dbt_env(settings)}
    for private in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(private, None)
    stamp = target / MANIFEST_FINGERPRINT
    fingerprint = manifest_fingerprint(env)
    if manifest.exists() and not force:
        return manifest
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return manifest
    # parse into a private folder, then move the manifest into place in one rename: two
    # processes preparing at once (test workers, the webserver and the daemon) each write
    # a whole file, and a reader never sees half of one
    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
    try:
        partial = target / "partial_parse.msgpack"
        if partial.exists():
            shutil.copy2(partial, work / partial.name)
        subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(work)],
            check=True, env=env, cwd=DBT_PROJECT_DIR,
        )
        os.replace(work / "manifest.json", manifest)
        if (work / partial.name).exists():
            os.replace(work / partial.name, partial)
        (work / MANIFEST_FINGERPRINT).write_text(fingerprint)
        os.replace(work / MANIFEST_FINGERPRINT, stamp)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


class OfflineDbtCliResource(DbtCliResource):
    """DbtCliResource that learns dbt's version from package metadata instead of running
    ``dbt --version``, which asks PyPI for the latest release (no network at run time)."""

    @cached_property
    def _cli_version(self) -> version.Version:  # type: ignore[override]
        return version.parse(pkg_version("dbt-core"))


class ManifestPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparation (``prepare_if_dev`` under ``dagster dev``, ``dagster-dbt
    project prepare-and-package``) done by ``prepare_manifest``: ``dbt parse`` with the
    pipeline's dbt environment, skipped when the stored fingerprint says nothing changed."""

    def prepare(self, project: DbtProject) -> None:
        # the webserver's and the daemon's code servers load the definitions together under
        # `dagster dev`: one parses, the other waits and finds the manifest updated (the
        # guard dagster-dbt's own preparer uses)
        run_with_concurrent_update_guard(
            project.manifest_path, lambda: prepare_manifest(load_settings(), force=True),
            guard_timeout_seconds=600,
        )


# The dbt project as Dagster sees it. Constructing it reads dbt_project.yml and nothing
# else; the manifest is prepared explicitly (pipelines.run, ``python -m
# pipelines.dbt_project``, ``dagster-dbt project prepare-and-package --file
# pipelines/dbt_project.py``) or by ``prepare_if_dev`` under ``dagster dev``.
DBT_PROJECT: DbtProject = replace_record(
    DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR),
    preparer=ManifestPreparer(),
)


def dbt_project() -> DbtProject:
    return DBT_PROJECT


def dbt_cli_resource() -> "OfflineDbtCliResource":
    """The ``dbt`` resource of the pipeline's definitions."""
    return OfflineDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )


def run_dbt(settings: Settings, args: list[str], quiet: bool = True) -> None:
    """Run the dbt CLI outside Dagster (tests, benchmark, docs); raise on failure."""
    env = {**os.environ, **dbt_env(settings)}
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    if quiet:
        cmd.insert(1, "--quiet")
    proc = subprocess.run(cmd, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"dbt {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
        )


# --- the dbt build's log file and summary ---------------------------------------------

# dbt log files kept (one per dbt invocation, so per run): about two weeks of nightly runs
# plus a few manual ones; older ones are deleted when a new one is written
KEEP_DBT_LOGS = 20
SLOWEST = 5
# failures listed one per line in the step's log; the rest are in the dbt log file
MAX_PROBLEMS_LOGGED = 20
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
T = TypeVar("T")


def dbt_log_dir(settings: Settings) -> Path:
    """``<warehouse dir>/logs``: beside the warehouse the build wrote, and outside dbt's
    target folder, which holds one throwaway folder per invocation and is cleaned."""
    return settings.warehouse.parent / "logs"


def dbt_log_path(settings: Settings, run_id: str, now: datetime | None = None) -> Path:
    """A new log file for a dbt invocation of run ``run_id``; names sort by start time."""
    stamp = (now or datetime.now()).strftime("%Y%m%dT%H%M%S")
    return dbt_log_dir(settings) / f"dbt-{stamp}-{run_id[:8]}.log"


def prune_dbt_logs(folder: Path, keep: int = KEEP_DBT_LOGS) -> list[Path]:
    """Delete all but the newest ``keep`` dbt logs (and their summaries) in ``folder``."""
    old = sorted(folder.glob("dbt-*.log"))[:-keep] if keep > 0 else []
    for log in old:
        log.unlink(missing_ok=True)
        log.with_suffix(".json").unlink(missing_ok=True)
    return old


class DbtLogFile(io.TextIOBase):
    """A text stream that writes dbt's output lines to ``fh`` with the time of day, minus
    the colour codes dbt puts in its messages for a terminal."""

    def __init__(self, fh: IO[str]) -> None:
        self._fh = fh
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        stamp = datetime.now().strftime("%H:%M:%S")
        for line in lines:
            self._fh.write(f"{stamp} {_ANSI.sub('', line)}\n")
        return len(text)

    def flush(self) -> None:
        self._fh.flush()


def stdout_into(stream: IO[str], events: Iterable[T]) -> Iterator[T]:
    """``events``, with ``sys.stdout`` sent to ``stream`` only while each event is produced.

    dagster-dbt prints every line of dbt's output to ``sys.stdout`` as it reads it
    (``DbtCliInvocation.stream_raw_events``): hundreds of lines per build. Swapping stdout
    around each ``next()`` only, not across the ``yield``, leaves Dagster's handling of the
    event (and anything else in the process) writing to the real stdout."""
    iterator = iter(events)
    while True:
        with contextlib.redirect_stdout(stream):
            try:
                event = next(iterator)
            except StopIteration:
                return
        yield event


@dataclass
class DbtSummary:
    """What a dbt invocation did, from its ``run_results.json``: nodes by type and status,
    the slowest nodes, the nodes that failed or warned, and where the full log is."""

    # resource type (model, seed, test, snapshot, ...) -> status (success, pass, warn,
    # fail, error, skipped) -> nodes
    counts: dict[str, dict[str, int]]
    elapsed_s: float
    slowest: list[tuple[str, float]] = field(default_factory=list)
    # (resource type, node name, status, dbt's message) for fail, error and warn
    problems: list[tuple[str, str, str, str]] = field(default_factory=list)
    log_path: str = ""

    @classmethod
    def from_run_results(cls, run_results: dict[str, Any], log_path: Path) -> "DbtSummary":
        counts: dict[str, Counter[str]] = {}
        timed: list[tuple[str, float]] = []
        problems = []
        for r in run_results.get("results", []):
            kind, name = _kind_and_name(r["unique_id"])
            counts.setdefault(kind, Counter())[r["status"]] += 1
            timed.append((name, float(r.get("execution_time") or 0.0)))
            if r["status"] in ("fail", "error", "warn"):
                problems.append((kind, name, r["status"], _one_line(r.get("message") or "")))
        timed.sort(key=lambda t: -t[1])
        return cls(
            counts={k: dict(v) for k, v in counts.items()},
            elapsed_s=float(run_results.get("elapsed_time") or 0.0),
            slowest=[(n, round(s, 2)) for n, s in timed[:SLOWEST]],
            problems=problems,
            log_path=str(log_path),
        )

    def count(self, kind: str, *statuses: str) -> int:
        by_status = self.counts.get(kind, {})
        return sum(by_status.get(s, 0) for s in statuses) if statuses else sum(by_status.values())

    @property
    def failed(self) -> bool:
        return any(status in ("fail", "error") for _, _, status, _ in self.problems)

    def headline(self) -> str:
        """One line: nodes built, test outcomes, time. E.g. ``built 64 models, 3 seeds;
        tests 329 passed, 0 warned, 0 failed; 29.6 s``."""
        built = ", ".join(
            self._built(kind) for kind in ("model", "seed", "snapshot") if self.count(kind)
        )
        tests = (f"tests {self.count('test', 'pass')} passed, {self.count('test', 'warn')} "
                 f"warned, {self.count('test', 'fail', 'error')} failed")
        skipped = self.count("test", "skipped")
        if skipped:
            tests += f", {skipped} skipped"
        return f"built {built or 'nothing'}; {tests}; {self.elapsed_s:.1f} s"

    def _built(self, kind: str) -> str:
        total, ok = self.count(kind), self.count(kind, "success")
        noun = kind if total == 1 else f"{kind}s"
        if ok == total:
            return f"{total} {noun}"
        others = ", ".join(f"{n} {s}" for s, n in sorted(self.counts[kind].items())
                           if s != "success")
        return f"{ok} of {total} {noun} ({others})"

    def slowest_line(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.slowest)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "DbtSummary":
        data = json.loads(path.read_text(encoding="utf-8"))
        data["slowest"] = [tuple(x) for x in data["slowest"]]
        data["problems"] = [tuple(x) for x in data["problems"]]
        return cls(**data)


def _kind_and_name(unique_id: str) -> tuple[str, str]:
    """``model.mh_productivity.int_x`` -> (``model``, ``int_x``); a generic test's id ends
    in a hash after its name (``test.mh_productivity.not_null_x_id.5a1c2b``)."""
    parts = unique_id.split(".")
    return parts[0], (parts[2] if len(parts) > 2 else unique_id)


def _one_line(message: str, limit: int = 400) -> str:
    text = " ".join(_ANSI.sub("", message).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def latest_dbt_summary(settings: Settings, run_id: str) -> DbtSummary | None:
    """The summary of the last dbt invocation of run ``run_id``, if it wrote one."""
    found = sorted(dbt_log_dir(settings).glob(f"dbt-*-{run_id[:8]}.json"))
    try:
        return DbtSummary.load(found[-1]) if found else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged summary only costs the closing report its dbt line


def log_dbt_summary(log: Any, target_path: Path, log_path: Path) -> DbtSummary | None:
    """Log what a dbt invocation did from the run_results.json in ``target_path``: nodes
    built, tests passed/warned/failed, the slowest nodes, each failure with dbt's message,
    and the log file ``log_path``; save the summary beside the log for the run's closing
    report. ``log``: the step's ``context.log`` (or any logger)."""
    try:
        results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
        summary = DbtSummary.from_run_results(results, log_path)
        summary.save(log_path.with_suffix(".json"))
    except Exception as exc:  # a summary must never hide the error dbt itself raised
        # typically dbt stopped before running a node (a parse or connection error)
        log.error(f"dbt build: no run results ({exc}); see the full log: {log_path}")
        return None
    headline = log.error if summary.failed else log.info
    headline(f"dbt build: {summary.headline()}; full log: {log_path}")
    log.info(f"dbt slowest: {summary.slowest_line()}")
    for kind, name, status, message in summary.problems[:MAX_PROBLEMS_LOGGED]:
        (log.warning if status == "warn" else log.error)(
            f"dbt {kind} {name} {status.upper()}: {message}"
        )
    if len(summary.problems) > MAX_PROBLEMS_LOGGED:
        log.error(f"dbt: {len(summary.problems) - MAX_PROBLEMS_LOGGED} more in {log_path}")
    return summary


if __name__ == "__main__":  # python -m pipelines.dbt_project: prepare the manifest
    print(prepare_manifest(load_settings(), force=True))
