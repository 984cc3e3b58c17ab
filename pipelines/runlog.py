"""What ``python -m pipelines.run`` prints: one console line per event, then a closing summary.

Console lines read ``HH:MM:SS <step, padded> <message>``, whoever logged them:

- Dagster's events and ``context.log`` lines reach the Python logger ``DAGSTER_CONSOLE``
  through the job's console logger (``console_logger_def``, swapped in by pipelines.run
  only: runs launched by the UI or the daemon keep Dagster's own console logger);
- library lines (``pipelines.ingest.load``...) carry no step, so they are labelled with
  the step Dagster is executing (the in-process executor runs one step at a time);
- other libraries (alembic's migration chatter, dagster internals) show warnings only, and
  a record Dagster captured from its own Python loggers (dagster-dbt's) is shown once, as
  re-sent through the console logger.

The closing summary (``closing_summary``) is built from the run's Dagster events and step
stats and the dbt step's saved summary (pipelines/dbt_project.py).
"""

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # dagster is imported only once settings are known to be good
    import dagster as dg

    from pipelines.dbt_project import DbtSummary

DAGSTER_CONSOLE = "pipelines.run.dagster"
STEP_WIDTH = 20
# these loggers repeat at INFO what their asset reports through context.log (the publish
# summary, the dashboard page count): on the console the asset's line is enough
REPORTED_BY_ASSETS = ("pipelines.publish.publisher", "pipelines.dashboard.build")
# dagster-dbt's progress lines (kept in Dagster's event log): the dbt step logs its own
# start line with the log file, and a summary
DBT_CHATTER = (
    "A dbt subsetted execution is not being performed",
    "Running dbt command:",
    "Finished dbt command:",
    "Copying `",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # dbt colours its messages for a terminal
_STEP_ENDS = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED", "STEP_UP_FOR_RETRY"}


class StepTracker(logging.Filter):
    """Filter of the ``DAGSTER_CONSOLE`` logger. It sees every Dagster record, DEBUG step
    events included, to remember the step being executed (for library lines), and passes
    on only records at ``threshold`` or above that are not dagster-dbt's progress chatter."""

    def __init__(self) -> None:
        super().__init__()
        self.step: str | None = None
        self.threshold = logging.INFO

    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None)
        if meta is None:
            return record.levelno >= self.threshold
        event = meta.get("dagster_event")
        if event is not None and event.event_type_value in _STEP_ENDS:
            self.step = None
        elif meta.get("step_key"):
            self.step = meta["step_key"]
        return record.levelno >= self.threshold and not str(
            meta.get("orig_message", "")
        ).startswith(DBT_CHATTER)


TRACKER = StepTracker()


class ConsoleFilter(logging.Filter):
    """Filter of the console handler: INFO from this project's loggers, warnings and errors
    from everyone, and no second copy of a record Dagster captured and re-sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "dagster_meta") and record.name != DAGSTER_CONSOLE:
            return False  # the original of a captured record (dagster.builtin, dagster-dbt)
        own = record.name == "pipelines" or record.name.startswith("pipelines.")
        return own or record.levelno >= logging.WARNING


# Dagster's line for each step left out after a failure, listing the failed step once per
# input: "Dependencies for step x failed: ['a', 'a', 'a']. Not executing."
_NOT_EXECUTING = re.compile(
    r"Dependencies for step \S+?(?: failed: \[(?P<failed>[^\]]*)\])?"
    r"(?: were not executed: \[(?P<skipped>[^\]]*)\])?\. Not executing\."
)


class ConsoleFormatter(logging.Formatter):
    """``HH:MM:SS step  [WARNING ]message``; more lines of a message are indented under it."""

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None)
        level = record.levelname if record.levelno >= logging.WARNING else ""
        if meta is not None:
            step = meta.get("step_key") or meta.get("resource_name") or "run"
            message = str(meta.get("orig_message", ""))
            data = getattr(meta.get("dagster_event"), "event_specific_data", None)
            if meta.get("step_key") and getattr(data, "error", None) is not None:
                # the cause, in short: the report after the run has all of it
                message = message.rstrip(".") + ": " + root_cause(data.error).splitlines()[0]
            not_run = _not_run(message)
            if not_run:  # a consequence of the failure shown above it, not a new error
                message, level = not_run, ""
        else:
            step = TRACKER.step or "run"
            message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        head = f"{self.formatTime(record, '%H:%M:%S')} {step:<{STEP_WIDTH}} "
        first, *rest = (f"{level} {message}" if level else message).splitlines() or [""]
        return "\n".join([head + first, *(" " * len(head) + line for line in rest)])


def _not_run(message: str) -> str | None:
    match = _NOT_EXECUTING.fullmatch(message)
    if match is None:
        return None
    reasons = []
    for group, verb in (("failed", "failed"), ("skipped", "not run")):
        steps = dict.fromkeys(re.findall(r"'([^']+)'", match.group(group) or ""))
        if steps:
            reasons.append(f"{', '.join(steps)} {verb}")
    return "not run: " + "; ".join(reasons)


def root_cause(error: Any) -> str:
    """The message of the innermost cause of a Dagster error (SerializableErrorInfo): the
    outer ones only say that a step failed ("Error occurred while executing op ...")."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    text = _ANSI.sub("", getattr(error, "message", "") or "").strip()
    if getattr(error, "cls_name", None) == "DagsterDbtCliRuntimeError":
        # dagster-dbt's text repeats dbt's error lines and points at the compute logs; the
        # dbt step has logged the failing nodes and the log file with dbt's whole output
        code = re.search(r"exit code `(-?\d+)`", text)
        return (f"dbt build failed (exit code {code.group(1) if code else '?'}): the failing "
                "nodes are listed in the dbt step's log, dbt's whole output is in its log file")
    return text or "(no message)"


def configure_console(stream: IO[str] | None = None, level: int = logging.INFO) -> None:
    """Send every log record of this process to one handler on ``stream`` (stdout: the
    run's story and its closing summary in one stream, in order)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(ConsoleFormatter())
    handler.addFilter(ConsoleFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("pipelines").setLevel(level)
    for name in REPORTED_BY_ASSETS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings.warn(...) in the same format, not raw stderr


def console_logger_def() -> "dg.LoggerDefinition":
    """The job's ``console`` logger for ``make run``: Dagster's records go to the Python
    logger ``DAGSTER_CONSOLE`` and from there to the console handler. Configured like
    Dagster's own (``log_level``), so the run config stays the same."""
    import dagster as dg

    @dg.logger(
        config_schema={"log_level": dg.Field(str, is_required=False, default_value="INFO")},
        description="make run's console: one line per event, in the format of every line",
    )
    def console(init_context: "dg.InitLoggerContext") -> logging.Logger:
        logger = logging.getLogger(DAGSTER_CONSOLE)
        # DEBUG: step start/end events are DEBUG in Dagster; the tracker needs them
        logger.setLevel(logging.DEBUG)
        level = str(init_context.logger_config["log_level"]).upper()
        TRACKER.threshold = logging.getLevelNamesMapping().get(level, logging.INFO)
        TRACKER.step = None
        if TRACKER not in logger.filters:
            logger.addFilter(TRACKER)
        return logger

    return console


# --- the closing summary ----------------------------------------------------------------


@dataclass(frozen=True)
class StepTime:
    key: str
    status: str  # success, failure, skipped; "unfinished", or "not run" (never started)
    seconds: float | None


def step_times(instance: "dg.DagsterInstance", run_id: str) -> list[StepTime]:
    """Each step of the run in the order it started, with its wall time; then the planned
    steps that never started (after a failure upstream) as "not run"."""
    stats = sorted(
        instance.get_run_step_stats(run_id), key=lambda s: s.start_time or float("inf")
    )
    times = [
        StepTime(
            s.step_key,
            s.status.value.lower() if s.status is not None else "unfinished",
            (s.end_time - s.start_time) if s.start_time and s.end_time else None,
        )
        for s in stats
    ]
    started = {t.key for t in times}
    return times + [StepTime(k, "not run", None) for k in _planned_steps(instance, run_id)
                    if k not in started]


def _planned_steps(instance: "dg.DagsterInstance", run_id: str) -> list[str]:
    run = instance.get_run_by_id(run_id)
    if run is None or run.execution_plan_snapshot_id is None:
        return []
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    return list(plan.step_keys_to_execute or [s.key for s in plan.steps])


def materialized(events: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Asset key (``published/marts``) -> the plain metadata values of its materialisation."""
    out: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.event_type_value != "ASSET_MATERIALIZATION":
            continue
        mat = event.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return out


def gate_outcomes(events: Iterable[Any]) -> dict[str, str]:
    """Quality gate layer -> passed, warned or FAILED (layers that did not run are absent)."""
    from pipelines.assets.quality import GATE_CHECKS

    layers = {name: layer for layer, (name, _) in GATE_CHECKS.items()}
    out: dict[str, str] = {}
    for event in events:
        data = event.event_specific_data
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and data.check_name in layers:
            warned = data.severity.value == "WARN"
            out[layers[data.check_name]] = (
                "passed" if data.passed else "warned" if warned else "FAILED"
            )
    return out


def closing_summary(
    run_id: str, steps: list[StepTime], events: list[Any], dbt: "DbtSummary | None"
) -> list[str]:
    """The lines printed after the run: each step's time, then what the run produced."""
    lines = [f"Run summary (Dagster run {run_id})"]
    width = max([len(s.key) for s in steps] + [STEP_WIDTH])
    for s in steps:
        took = f"{s.seconds:7.1f} s" if s.seconds is not None else f"{'-':>7}  "
        lines.append(f"  {s.key:<{width}} {took}  {s.status}")
    mats = materialized(events)
    outcomes = {
        "ingest": _ingest_line(mats),
        "dbt": dbt.headline() if dbt is not None else "no result",
        "gates": _gates_line(gate_outcomes(events)),
        "published": _published_line(mats.get("published/marts")),
        "national": _national_line(mats.get("published/marts")),
        "dashboard": _dashboard_line(mats.get("published/dashboard")),
    }
    lines += [f"  {label:<10} {text}" for label, text in outcomes.items()]
    return lines


def _ingest_line(mats: Mapping[str, dict[str, Any]]) -> str:
    manifest = mats.get("meta/manifest")
    if manifest is None:
        return "no result"
    rows = sum(m.get("rows_loaded_this_run", 0) for k, m in mats.items() if k.startswith("raw/"))
    quarantined = mats.get("meta/quarantine", {}).get("rows_quarantined_this_run", 0)
    return (
        f"{manifest['files_loaded']} files loaded, {manifest['files_unchanged']} unchanged, "
        f"{manifest['files_rejected']} rejected; {rows:,} rows loaded, {quarantined:,} quarantined"
    )


def _gates_line(outcomes: Mapping[str, str]) -> str:
    from pipelines.assets.quality import GATE_CHECKS

    return ", ".join(f"{layer} {outcomes.get(layer, 'not run')}" for layer in GATE_CHECKS)


def _published_line(meta: Mapping[str, Any] | None) -> str:
    if meta is None:
        return "nothing published (the live publication is unchanged)"
    counts = {t: n for t, n in meta["rows_per_table"].items() if t != "publish_log"}
    biggest = sorted(counts.items(), key=lambda tn: -tn[1])[:3]
    return (
        f"version {meta['version_id']} ({meta['publication_mode']}): "
        f"{meta['total_rows']:,} rows in {len(counts)} tables ("
        + ", ".join(f"{t} {n:,}" for t, n in biggest)
        + ", ...)"
    )


def _national_line(meta: Mapping[str, Any] | None) -> str:
    from pipelines.publish.national import reconciliation_line

    if meta is None:
        return "not compared"
    return reconciliation_line(dict(meta.get("national_reconciliation") or {}))


def _dashboard_line(meta: Mapping[str, Any] | None) -> str:
    return "not built" if meta is None else f"{meta['pages']} pages"
