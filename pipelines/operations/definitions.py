"""Everything the operations layer adds to the pipeline's Dagster Definitions.

    from pipelines.operations import operations_definitions, operations_settings

    defs = dg.Definitions.merge(
        dg.Definitions(assets=[...], jobs=[pipeline_job], resources={...}),
        operations_definitions(load_settings(), operations_settings()),
    )

No job object is needed: the schedule and the sensors target the job by name
(``mh_pipeline``), so this module never imports pipelines.definitions.
"""

import dagster as dg

from pipelines.config import Settings
from pipelines.operations.alerts import pipeline_failure_sensor, pipeline_success_sensor
from pipelines.operations.freshness import (
    freshness_job,
    freshness_schedule,
    published_marts_freshness_check,
)
from pipelines.operations.schedules import JOB_NAME, nightly_schedule
from pipelines.operations.sensors import raw_files_sensor
from pipelines.operations.settings import DEFAULTS, OperationsSettings


def operations_definitions(
    settings: Settings,
    ops: OperationsSettings | None = None,
    job_name: str = JOB_NAME,
    freshness_cron: str = "30 * * * *",
) -> dg.Definitions:
    """Schedules, sensors, the freshness check and its job, as one Definitions to merge."""
    ops = ops or DEFAULTS
    check = published_marts_freshness_check(settings, max_age_hours=ops.freshness_hours)
    check_job = freshness_job(check)
    return dg.Definitions(
        schedules=[
            nightly_schedule(settings, job_name=job_name),
            freshness_schedule(settings, check_job, cron=freshness_cron),
        ],
        sensors=[
            raw_files_sensor(
                settings,
                job_name=job_name,
                settle_seconds=ops.raw_settle_seconds,
                minimum_interval_seconds=ops.raw_sensor_interval_s,
            ),
            pipeline_failure_sensor(settings, ops, job_names=(job_name,)),
            pipeline_success_sensor(settings, ops, job_names=(job_name,)),
        ],
        asset_checks=[check],
        jobs=[check_job],
    )
