"""Settings of the operations layer (alerts, freshness, sensor, lock).

The variables, their defaults and their rules are in ``pipelines.config`` (``VARIABLES``,
group ``operations``), parsed there by the same function as the pipeline's settings;
this module holds what they become. ``operations_settings()`` reads the environment,
``operations_settings(mapping)`` a given mapping (tests); in a Dagster run the ``settings``
resource gives them (pipelines/settings_resource.py). docs/operations.md has the table.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import OPERATIONS, Settings, environment, parse_variables
from pipelines.operations.webhooks import WebhookFormat

STATUS_FILE_NAME = "pipeline_status.json"


@dataclass(frozen=True)
class OperationsSettings:
    smtp_host: str | None
    smtp_port: int
    smtp_from: str
    smtp_starttls: bool
    smtp_user: str | None
    smtp_password: str | None = field(repr=False)
    alert_email_to: tuple[str, ...]
    alert_webhook_url: str | None
    alert_webhook_format: WebhookFormat
    alert_timeout_s: float
    dagster_url: str | None
    freshness_hours: float
    status_file: Path | None
    raw_settle_seconds: int
    raw_sensor_interval_s: int
    lock_timeout_s: float

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.alert_email_to)

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.alert_webhook_url)

    def status_path(self, settings: Settings) -> Path:
        """Where the status file lives: MHP_STATUS_FILE, else inside DAGSTER_HOME."""
        return self.status_file or (settings.dagster_home / STATUS_FILE_NAME)


def operations_settings(env: Mapping[str, str] | None = None) -> OperationsSettings:
    """The operations settings from the environment, or from ``env`` (raises SettingError,
    a ValueError naming the variable and the value)."""
    values = parse_variables(environment() if env is None else env, OPERATIONS)
    return OperationsSettings(**values)  # type: ignore[arg-type]


# The defaults, for the functions that take one of these settings as a parameter: the
# values of an empty environment, so each default is written once (pipelines.config)
DEFAULTS = operations_settings({})
DEFAULT_FRESHNESS_HOURS = DEFAULTS.freshness_hours
DEFAULT_SETTLE_SECONDS = DEFAULTS.raw_settle_seconds
DEFAULT_SENSOR_INTERVAL_S = DEFAULTS.raw_sensor_interval_s
DEFAULT_LOCK_TIMEOUT_S = DEFAULTS.lock_timeout_s
