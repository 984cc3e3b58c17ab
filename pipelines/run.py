"""``python -m pipelines.run``: the main job, end to end, through Dagster.

Checks every setting first (a bad one: its message, exit code 2). Generates the demo
data set when the raw folder is empty or missing, then materialises every asset (ingest,
dbt, gates, publish, dashboard) in one Dagster run recorded in the project's DAGSTER_HOME.
The console gets one line per event (pipelines/runlog.py; dbt's own output goes to
``<warehouse dir>/logs/dbt-*.log``), then a closing summary and where every output went.
Exit code 0 only when the run succeeded; 3 when another run held the pipeline lock too long.
"""

import argparse
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from pipelines import runlog
from pipelines.config import Settings, load_settings
from pipelines.dagster_home import ensure_dagster_home
from pipelines.runlog import StepTime

log = logging.getLogger("pipelines.run")


def raw_folder_empty(settings: Settings) -> bool:
    d = settings.raw_dir
    return not d.exists() or not any(p.is_file() for p in d.rglob("*"))


def generate_demo(settings: Settings) -> None:
    from pipelines.synthetic import GeneratorConfig, generate

    print(f"Raw folder {settings.raw_dir} is empty: generating the synthetic demo data set...")
    summary = generate(GeneratorConfig(out=settings.raw_dir))
    print(f"  wrote {len(summary.files)} files")


@dataclass
class RunOutcome:
    """A finished Dagster run of the job: its result, events and step times."""

    success: bool
    run_id: str
    events: list[Any] = field(default_factory=list)
    steps: list[StepTime] = field(default_factory=list)


def run_pipeline(
    settings: Settings, selection: list[str] | None = None, lock_timeout_s: float | None = None
) -> bool:
    """Execute the pipeline job in this process (every asset, or ``selection``); True if
    the run succeeded. See ``execute_pipeline``."""
    return execute_pipeline(settings, selection, lock_timeout_s).success


def execute_pipeline(
    settings: Settings,
    selection: list[str] | None = None,
    lock_timeout_s: float | None = None,
    console: bool = False,
) -> RunOutcome:
    """Execute the pipeline job in this process (every asset, or ``selection``).

    The pipeline lock is taken before the Dagster run is created, so a second trigger
    waits (up to ``lock_timeout_s``, default MHP_PIPELINE_LOCK_TIMEOUT) or fails with
    ``PipelineLockTimeout`` without leaving a failed run behind; the job's own
    ``pipeline_lock`` resource then re-enters the same lock for the run. ``console``: send
    Dagster's log lines to the console handler of ``runlog.configure_console`` (make run)
    instead of Dagster's own console logger."""
    ensure_dagster_home(settings)
    from pipelines.operations.lock import pipeline_lock
    from pipelines.operations.settings import operations_settings

    timeout = operations_settings().lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    # one run at a time: a second trigger waits for the first (then fails clearly). The
    # lock comes first: parsing the dbt project rewrites dbt_project/target, which the
    # running job reads
    with pipeline_lock(settings, timeout_s=timeout, on_wait=log.warning):
        return _execute_locked(settings, selection, console)


def _execute_locked(settings: Settings, selection: list[str] | None, console: bool) -> RunOutcome:
    import dagster as dg

    if "pipelines.definitions" not in sys.modules:
        from pipelines.dbt_project import prepare_manifest

        # the definitions read the manifest: prepared here, where the run starts (importing
        # them prepares nothing), and never stale (parsed again when the project changed)
        prepare_manifest(settings, force=True)
    from pipelines.definitions import defs

    job = defs.resolve_job_def("mh_pipeline")
    if console:
        job = job.with_logger_defs({"console": runlog.console_logger_def()})
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
                "resources": {"settings": {"config": _settings_config()}},
            },
            asset_selection=selection and [dg.AssetKey.from_user_string(s) for s in selection],
        )
        if not result.success:
            report_failures(result.all_events)
        return RunOutcome(
            result.success,
            result.run_id,
            list(result.all_events),
            runlog.step_times(instance, result.run_id),
        )


def _settings_config() -> dict[str, dict[str, str] | None]:
    """The settings resource's config for an in-process run: every variable this process
    has set now, as a reference to the variable (``{"env": NAME}``, never its value: run
    config is stored with the run, and the pseudonym key must not be), the rest unset. The
    definitions' EnvVars were taken when they were imported; a variable unset since then
    (a test, a second run in the same process) would refuse the run."""
    from pipelines.config import VARIABLES, environment
    from pipelines.settings_resource import field_name

    env = environment()
    return {field_name(v.name): {"env": v.name} if env.get(v.name) else None
            for v in VARIABLES}


def report_failures(events: list) -> None:
    """Print a readable account of what failed: step errors and failed gate checks."""
    sys.stdout.flush()  # after the run's log lines, when both streams go to one file
    for event in events:
        data = event.event_specific_data
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and data is not None:
            if not data.passed:
                summary = data.metadata.get("summary")
                text = summary.value if summary is not None else ""
                print(
                    f"FAILED check {data.check_name} on {data.asset_key.to_user_string()} "
                    f"({data.severity.value}):\n{text}",
                    file=sys.stderr,
                )
        elif event.is_step_failure and data is not None:
            err = getattr(data, "error", None)
            if err is not None:
                print(f"FAILED step {event.step_key}: {runlog.root_cause(err)}", file=sys.stderr)


def print_outputs(settings: Settings) -> None:
    print("\nOutputs:")
    print(f"  raw drop folder     {settings.raw_dir}")
    print(f"  warehouse (DuckDB)  {settings.warehouse}")
    pub = settings.publish_dir
    for label, path in [
        ("published marts", pub / "marts.duckdb"),
        ("Parquet folder", pub / "parquet"),
        ("dashboard", pub / "dashboard" / "index.html"),
        ("data docs (GX)", pub / "data_docs"),
    ]:
        if path.exists():
            print(f"  {label:<19} {path}")
    print(f"  Dagster run history {settings.dagster_home} (make dev to browse)")


def print_summary(settings: Settings, outcome: RunOutcome, seconds: float) -> None:
    from pipelines.dbt_project import dbt_log_dir, latest_dbt_summary

    dbt = latest_dbt_summary(settings, outcome.run_id)
    print()
    print("\n".join(runlog.closing_summary(outcome.run_id, outcome.steps, outcome.events, dbt)))
    print(f"\nPipeline {'succeeded' if outcome.success else 'FAILED'} in {seconds:.1f} s")
    if not outcome.success:
        print("\nLogs:")
        print(f"  this run            Dagster run {outcome.run_id} (make dev to browse)")
        print(f"  dbt                 {dbt.log_path if dbt else dbt_log_dir(settings)}")


def load_checked_settings() -> Settings:
    """Every setting, checked before anything heavy is imported: a bad value raises
    SettingError naming the variable, the value and what was expected."""
    settings = load_settings()
    from pipelines.operations.settings import operations_settings

    operations_settings()  # the run reads these too (lock timeout, alerts)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-demo",
        action="store_true",
        help="never generate demo data, even if the raw folder is empty",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_checked_settings()
    except ValueError as exc:  # a bad setting: its message says which and what it expects
        print(exc, file=sys.stderr)
        return 2
    runlog.configure_console()
    if raw_folder_empty(settings):
        if args.no_demo:
            print(
                f"Raw folder {settings.raw_dir} is empty and --no-demo was given.", file=sys.stderr
            )
            return 2
        generate_demo(settings)
    started = time.perf_counter()
    from pipelines.operations.lock import PipelineLockTimeout

    try:
        outcome = execute_pipeline(settings, console=True)
    except PipelineLockTimeout as exc:
        print(str(exc), file=sys.stderr)
        return 3
    print_summary(settings, outcome, time.perf_counter() - started)
    print_outputs(settings)
    return 0 if outcome.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
