"""Settings of the operations layer (alerts, freshness, sensor, lock), built from a mapping.

This module never reads ``os.environ`` itself: ``pipelines.config`` is the only module
that does. Pass the environment (or any mapping, in tests) to ``operations_settings``::

    ops = operations_settings(os.environ)       # until config.py builds it

Every setting has a default, so an empty mapping gives a working (alert-less) set-up.

Variables (defaults in brackets; docs/operations.md has the full table):

- ``MHP_SMTP_HOST`` [unset: no e-mail], ``MHP_SMTP_PORT`` [25], ``MHP_SMTP_FROM``
  [mh-pipeline@localhost], ``MHP_SMTP_STARTTLS`` [false], ``MHP_SMTP_USER`` [unset: no
  login], ``MHP_SMTP_PASSWORD`` (sent only over STARTTLS or to a loopback server)
- ``MHP_ALERT_EMAIL_TO`` [unset: no e-mail] comma-separated recipients
- ``MHP_ALERT_WEBHOOK_URL`` [unset: no webhook] http(s) URL receiving a JSON POST
- ``MHP_ALERT_WEBHOOK_FORMAT`` [json] body of that POST: ``teams`` (Teams Workflows
  Adaptive Card), ``slack`` (Slack incoming webhook blocks) or ``json`` (generic)
- ``MHP_ALERT_TIMEOUT_S`` [10] timeout of the SMTP and webhook calls
- ``MHP_DAGSTER_URL`` [unset] base URL of the Dagster UI, for links in alerts
- ``MHP_FRESHNESS_HOURS`` [26] the freshness check warns above this age
- ``MHP_STATUS_FILE`` [<DAGSTER_HOME>/pipeline_status.json] the JSON status file
- ``MHP_RAW_SETTLE_SECONDS`` [60] quiet time of the raw folder before the sensor fires
- ``MHP_RAW_SENSOR_INTERVAL`` [30] seconds between two looks of the sensor at the raw folder
- ``MHP_PIPELINE_LOCK_TIMEOUT`` [3600] seconds any run (make run, UI, schedule, sensor,
  backfill) waits for another run's pipeline lock

Relative paths are relative to the project root, like every path in ``pipelines.config``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.operations.webhooks import WEBHOOK_FORMATS, WebhookFormat

DEFAULT_FRESHNESS_HOURS = 26.0
DEFAULT_SETTLE_SECONDS = 60
DEFAULT_SENSOR_INTERVAL_S = 30
# an hour: a scheduled run queued behind a long backfill or a ten-trust `make run` waits
# for it rather than failing
DEFAULT_LOCK_TIMEOUT_S = 3600.0
STATUS_FILE_NAME = "pipeline_status.json"


@dataclass(frozen=True)
class OperationsSettings:
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "mh-pipeline@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    alert_email_to: tuple[str, ...] = ()
    alert_webhook_url: str | None = None
    alert_webhook_format: WebhookFormat = "json"
    alert_timeout_s: float = 10.0
    dagster_url: str | None = None
    freshness_hours: float = DEFAULT_FRESHNESS_HOURS
    status_file: Path | None = None
    raw_settle_seconds: int = DEFAULT_SETTLE_SECONDS
    raw_sensor_interval_s: int = DEFAULT_SENSOR_INTERVAL_S
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.alert_email_to)

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.alert_webhook_url)

    def status_path(self, settings: Settings) -> Path:
        """Where the status file lives: MHP_STATUS_FILE, else inside DAGSTER_HOME."""
        return self.status_file or (settings.dagster_home / STATUS_FILE_NAME)


def _text(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    return raw.strip() if raw and raw.strip() else None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _text(env, name)
    if raw is None:
        return default
    value = raw.lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _number(env: Mapping[str, str], name: str, default: float, minimum: float = 0) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = _text(env, name)
    if raw is None:
        return None
    p = Path(raw)
    return p if p.is_absolute() else PROJECT_ROOT / p


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = _text(env, name)
    if raw is None:
        return default
    value = raw.lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def operations_settings(env: Mapping[str, str]) -> OperationsSettings:
    """Build the operations settings from a mapping of environment variables."""
    url = _text(env, "MHP_ALERT_WEBHOOK_URL")
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise ValueError("MHP_ALERT_WEBHOOK_URL must be an http:// or https:// URL")
    recipients = tuple(
        r.strip() for r in (env.get("MHP_ALERT_EMAIL_TO") or "").split(",") if r.strip()
    )
    return OperationsSettings(
        smtp_host=_text(env, "MHP_SMTP_HOST"),
        smtp_port=int(_number(env, "MHP_SMTP_PORT", 25, minimum=1)),
        smtp_from=_text(env, "MHP_SMTP_FROM") or "mh-pipeline@localhost",
        smtp_starttls=_bool(env, "MHP_SMTP_STARTTLS", False),
        smtp_user=_text(env, "MHP_SMTP_USER"),
        smtp_password=env.get("MHP_SMTP_PASSWORD") or None,
        alert_email_to=recipients,
        alert_webhook_url=url,
        alert_webhook_format=cast(
            WebhookFormat, _choice(env, "MHP_ALERT_WEBHOOK_FORMAT", WEBHOOK_FORMATS, "json")
        ),
        alert_timeout_s=_number(env, "MHP_ALERT_TIMEOUT_S", 10.0, minimum=0.1),
        dagster_url=(_text(env, "MHP_DAGSTER_URL") or "").rstrip("/") or None,
        freshness_hours=_number(env, "MHP_FRESHNESS_HOURS", DEFAULT_FRESHNESS_HOURS, 0.01),
        status_file=_path(env, "MHP_STATUS_FILE"),
        raw_settle_seconds=int(_number(env, "MHP_RAW_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)),
        raw_sensor_interval_s=int(
            _number(env, "MHP_RAW_SENSOR_INTERVAL", DEFAULT_SENSOR_INTERVAL_S, minimum=1)
        ),
        lock_timeout_s=_number(env, "MHP_PIPELINE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT_S),
    )
