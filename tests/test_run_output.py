"""What a user sees from ``make run`` (``python -m pipelines.run``): the session's real run
(tests/conftest.py ``pipeline_run``, kept in test-artifacts/make_run_output.log) prints one
line per event in one format, no duplicates and no library chatter, a dbt summary with its
log file, ingest progress per provider and month, and a closing summary. Plus the pieces
behind it, on made-up input: a bad setting, a failed dbt build, stdout redirection."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipelines.config import DBT_PROJECT_DIR, PROJECT_ROOT
from pipelines.dbt_project import DbtSummary, log_dbt_summary, prune_dbt_logs, stdout_into
from tests.conftest import PipelineRun

# HH:MM:SS step-or-source message
LOG_LINE = re.compile(r"(?P<time>\d\d:\d\d:\d\d) (?P<source>\S+) +(?P<message>.*)")
DBT_SUMMARY = re.compile(
    r"dbt build: built (?P<models>\d+) models, (?P<seeds>\d+) seeds; tests (?P<passed>\d+) "
    r"passed, (?P<warned>\d+) warned, (?P<failed>\d+) failed; [\d.]+ s; full log: (?P<log>\S+)"
)


def without_time(line: str) -> str:
    m = LOG_LINE.fullmatch(line)
    return f"{m['source']} {m['message']}" if m else line.strip()


def line_index(lines: list[str], start: str) -> int:
    found = [i for i, line in enumerate(lines) if line.startswith(start)]
    assert found, f"no line starting {start!r} in the output"
    return found[0]


def run_lines(run: PipelineRun) -> list[str]:
    """The lines of the run itself: up to the closing summary."""
    lines = run.output.splitlines()
    return lines[: line_index(lines, "Run summary")]


def summary_lines(run: PipelineRun) -> list[str]:
    """The closing summary: from its title to the "Pipeline succeeded" line."""
    lines = run.output.splitlines()
    return lines[line_index(lines, "Run summary") : line_index(lines, "Pipeline ")]


@pytest.mark.e2e
def test_run_succeeds_and_says_so(pipeline_run: PipelineRun) -> None:
    assert pipeline_run.success, pipeline_run.output[-4000:]
    assert re.search(r"^Pipeline succeeded in [\d.]+ s$", pipeline_run.output, re.M)
    assert "Outputs:" in pipeline_run.output


@pytest.mark.e2e
def test_every_line_once(pipeline_run: PipelineRun) -> None:
    # the time of day aside, no line (source and message) is printed twice
    counts = Counter(
        without_time(line) for line in pipeline_run.output.splitlines() if line.strip()
    )
    assert [line for line, n in counts.items() if n > 1] == []


@pytest.mark.e2e
def test_run_lines_share_one_format(pipeline_run: PipelineRun) -> None:
    for line in run_lines(pipeline_run):
        # a log line, or a further line of a multi-line message, indented under it
        assert LOG_LINE.fullmatch(line) or line.startswith(" " * 30) or not line.strip(), line


@pytest.mark.e2e
def test_no_library_chatter(pipeline_run: PipelineRun) -> None:
    out = pipeline_run.output
    assert "alembic" not in out.lower()
    assert "dagster.builtin" not in out and " - dagster - " not in out
    assert "Calculating Metrics" not in out  # GX progress bars
    # dbt's per-node lines belong in its log file
    assert not re.search(r"\d+ of \d+ (START|OK created|PASS)", out)
    assert "Running dbt command" not in out


@pytest.mark.e2e
def test_dbt_summary_names_counts_and_log_file(pipeline_run: PipelineRun) -> None:
    found = [m for m in map(DBT_SUMMARY.search, pipeline_run.output.splitlines()) if m]
    assert len(found) == 1, pipeline_run.output[-4000:]
    summary = found[0]
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    kinds = Counter(n["resource_type"] for n in manifest["nodes"].values())
    assert int(summary["models"]) == kinds["model"]
    assert int(summary["seeds"]) == kinds["seed"]
    assert int(summary["passed"]) + int(summary["warned"]) == kinds["test"]
    assert summary["failed"] == "0"
    log = Path(summary["log"])
    assert log.parent == pipeline_run.settings.warehouse.parent / "logs"
    text = log.read_text(encoding="utf-8")
    assert len(re.findall(r"OK created sql \w+ model", text)) == kinds["model"]
    assert "START sql table model" in text and "\x1b[" not in text  # no terminal colours
    slowest = next(line for line in pipeline_run.output.splitlines() if "dbt slowest: " in line)
    assert len(re.findall(r" \d+\.\d s(?:,|$)", slowest)) == 5, slowest


@pytest.mark.e2e
def test_ingest_progress_per_provider_and_month(pipeline_run: PipelineRun) -> None:
    raw = pipeline_run.settings.raw_dir
    ingest = [line for line in run_lines(pipeline_run) if " ingest_raw_extracts " in line]
    submissions = sorted(raw.glob("mhsds/*/*"))
    assert len(submissions) >= 2 * 6
    for month in submissions:  # one line per MHSDS submission: a provider's month
        provider, period = month.parent.name, month.name
        lines = [line for line in ingest if f" mhsds {provider} {period}: " in line]
        assert len(lines) == 1, (provider, period)
        files = sum(1 for p in month.iterdir() if p.is_file())
        assert re.search(rf": {files} files, [\d,]+ rows loaded, [\d,]+ quarantined$", lines[0])
    for provider in sorted(raw.glob("*/*")):  # the other families: one line per provider
        # (national/<YYYY-MM>/ holds NHS England's files, no provider folders)
        if provider.is_dir() and provider.parent.name not in ("mhsds", "national"):
            months = sorted(p.name for p in provider.iterdir())
            label = f" {provider.parent.name} {provider.name} {months[0]} to {months[-1]}: "
            assert sum(label in line for line in ingest) == 1, label
    assert sum(re.search(r" ingest \w+-\w+: \d+ files, ", line) is not None
               for line in ingest) == 1


@pytest.mark.e2e
def test_closing_summary(pipeline_run: PipelineRun) -> None:
    import dagster as dg

    summary = summary_lines(pipeline_run)
    head = re.fullmatch(r"Run summary \(Dagster run (\S+)\)", summary[0])
    assert head, summary[0]
    # the run the summary names (other tests run the pipeline again in the same home)
    with dg.DagsterInstance.from_config(pipeline_run.env["DAGSTER_HOME"]) as instance:
        run = instance.get_run_by_id(head.group(1))
        assert run is not None and run.job_name == "mh_pipeline", head.group(1)
        assert run.status == dg.DagsterRunStatus.SUCCESS
        plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
        steps = list(plan.step_keys_to_execute or [s.key for s in plan.steps])
    assert len(steps) >= 6
    for step in steps:
        assert any(re.fullmatch(rf"  {step} +[\d.]+ s  success", line) for line in summary), step
    labelled = {line.split()[0]: line for line in summary[1:] if line.startswith("  ")}
    assert re.search(r"[1-9]\d* files loaded, 0 unchanged, 0 rejected; [\d,]+ rows loaded, "
                     r"0 quarantined", labelled["ingest"])
    assert re.search(r"built \d+ models", labelled["dbt"])
    assert re.fullmatch(r"  gates +ingest \w+, staging \w+, marts \w+", labelled["gates"])
    assert "FAILED" not in labelled["gates"] and "not run" not in labelled["gates"]
    assert re.search(r"version \S+ \(internal\): [\d,]+ rows in \d+ tables",
                     labelled["published"])
    assert re.search(r"\d+ pages", labelled["dashboard"])


def test_bad_setting_stops_before_the_run(tmp_path: Path) -> None:
    env = {**os.environ, "MHP_KEEP_VERSIONS": "seven", "DAGSTER_HOME": str(tmp_path / "dh")}
    proc = subprocess.run([sys.executable, "-m", "pipelines.run", "--no-demo"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "MHP_KEEP_VERSIONS must be a whole number >= 1, not 'seven'"
    assert proc.stdout == ""
    assert not (tmp_path / "dh").exists()  # nothing started


RUN_RESULTS = {
    "elapsed_time": 12.5,
    "results": [
        {"unique_id": "model.p.stg_a", "status": "success", "execution_time": 1.5, "message": ""},
        {"unique_id": "model.p.int_b", "status": "error", "execution_time": 0.2,
         "message": "Runtime Error in model int_b\n  Out of Memory Error"},
        {"unique_id": "model.p.mart_c", "status": "skipped", "execution_time": 0.0},
        {"unique_id": "seed.p.deflators", "status": "success", "execution_time": 0.3},
        {"unique_id": "test.p.not_null_stg_a_id.5a1c2b", "status": "pass",
         "execution_time": 0.1},
        {"unique_id": "test.p.unique_stg_a_id.77aa01", "status": "fail", "execution_time": 0.4,
         "message": "Got 3 results, configured to fail if != 0"},
        {"unique_id": "test.p.accepted_values_x.0c0c0c", "status": "warn",
         "execution_time": 0.1, "message": "Got 1 result, configured to warn if != 0"},
    ],
}


class RecordingLog:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __getattr__(self, level: str):
        return lambda message: self.lines.append((level, message))


def test_dbt_failure_is_summarised_with_failing_nodes(tmp_path: Path) -> None:
    (tmp_path / "run_results.json").write_text(json.dumps(RUN_RESULTS))
    log_path = tmp_path / "logs" / "dbt-20260101T020000-abcdef12.log"
    log_path.parent.mkdir()
    log = RecordingLog()
    log_dbt_summary(log, tmp_path, log_path)
    lines = log.lines
    assert lines[0] == (
        "error",
        "dbt build: built 1 of 3 models (1 error, 1 skipped), 1 seed; tests 1 passed, "
        f"1 warned, 1 failed; 12.5 s; full log: {log_path}",
    )
    assert lines[1] == ("info", "dbt slowest: stg_a 1.5 s, unique_stg_a_id 0.4 s, deflators "
                                "0.3 s, int_b 0.2 s, not_null_stg_a_id 0.1 s")
    assert ("error", "dbt model int_b ERROR: Runtime Error in model int_b Out of Memory Error"
            ) in lines
    assert ("error", "dbt test unique_stg_a_id FAIL: Got 3 results, configured to fail if != 0"
            ) in lines
    assert ("warning", "dbt test accepted_values_x WARN: Got 1 result, configured to warn "
                       "if != 0") in lines
    saved = DbtSummary.load(log_path.with_suffix(".json"))  # for the closing summary
    assert saved.failed and saved.log_path == str(log_path)


def test_dbt_without_run_results_points_at_its_log(tmp_path: Path) -> None:
    log = RecordingLog()
    log_path = tmp_path / "dbt-x.log"
    assert log_dbt_summary(log, tmp_path, log_path) is None
    [(level, message)] = log.lines
    assert level == "error" and message.endswith(f"see the full log: {log_path}")


def test_stdout_is_redirected_only_while_an_event_is_produced() -> None:
    into = io.StringIO()

    def events():
        print("dbt line 1")
        yield 1
        print("dbt line 2")
        yield 2

    seen = []
    real = sys.stdout
    for event in stdout_into(into, events()):
        seen.append((event, sys.stdout is real))
    assert seen == [(1, True), (2, True)]
    assert into.getvalue() == "dbt line 1\ndbt line 2\n"


def test_old_dbt_logs_are_pruned(tmp_path: Path) -> None:
    for day in range(1, 26):
        (tmp_path / f"dbt-202601{day:02d}T020000-abcdef12.log").write_text("x")
        (tmp_path / f"dbt-202601{day:02d}T020000-abcdef12.json").write_text("{}")
    prune_dbt_logs(tmp_path, keep=20)
    logs = sorted(p.name for p in tmp_path.glob("*.log"))
    assert len(logs) == 20 and logs[0].startswith("dbt-20260106")
    assert len(list(tmp_path.glob("*.json"))) == 20


def test_console_formatter_labels_library_lines_with_the_step() -> None:
    from pipelines.runlog import TRACKER, ConsoleFormatter

    TRACKER.step = "ingest_raw_extracts"
    try:
        record = logging.LogRecord("pipelines.ingest.load", logging.WARNING, __file__, 1,
                                   "two\nlines", None, None)
        text = ConsoleFormatter().format(record)
    finally:
        TRACKER.step = None
    first, second = text.splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d ingest_raw_extracts  WARNING two", first)
    assert second == " " * (first.index("WARNING")) + "lines"
