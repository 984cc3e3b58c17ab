"""The nightly schedule of the pipeline job (02:00 Europe/London unless configured)."""

import dagster as dg

from pipelines.config import Settings

JOB_NAME = "mh_pipeline"
TRIGGER_TAG = "mhp/trigger"


def nightly_schedule(
    settings: Settings,
    job_name: str = JOB_NAME,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.RUNNING,
) -> dg.ScheduleDefinition:
    """``nightly``: run ``job_name`` on ``settings.schedule_cron`` in ``schedule_timezone``.

    Cron and zone come from MHP_SCHEDULE_CRON / MHP_SCHEDULE_TZ (pipelines.config).
    Dagster evaluates the cron in that zone, so 02:00 stays 02:00 London time across the
    clock changes (02:00 is outside the UK's 01:00-02:00 change hour: one run a night).
    The schedule starts RUNNING as soon as a dagster-daemon loads the code location.
    """

    def _run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        when = context.scheduled_execution_time
        return dg.RunRequest(
            tags={
                TRIGGER_TAG: "nightly",
                "mhp/scheduled_for": when.isoformat() if when else "",
            }
        )

    return dg.ScheduleDefinition(
        name="nightly",
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.schedule_timezone,
        job_name=job_name,
        execution_fn=_run,
        default_status=default_status,
        description=(
            f"Runs {job_name} at '{settings.schedule_cron}' ({settings.schedule_timezone}): "
            "ingest, dbt, quality gates, publish."
        ),
    )
