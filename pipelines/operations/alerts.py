"""Run status: a JSON status file, and failure alerts by e-mail and/or webhook.

Two sensors, evaluated by the dagster-daemon after each run of the monitored jobs
(default: ``mh_pipeline`` only; pass ``job_names=None`` to watch every job of the code
location):

- ``pipeline_failure_alert`` (``@run_failure_sensor``): writes ``last_failure`` into the
  status file, then sends an e-mail (SMTP settings) and/or POSTs JSON to the webhook.
- ``pipeline_success_status`` (``@run_status_sensor`` on SUCCESS): writes
  ``last_success``; if the previous state was failing, sends a short "recovered" alert.

Both alerts are built as one ``webhooks.Alert`` (kind, subject, details, status-file
entry) plus an e-mail body; ``webhooks.webhook_payload`` turns the Alert into the body
MHP_ALERT_WEBHOOK_FORMAT names: ``json`` (default, the generic payload
``{"event", "text", **entry}``), ``teams`` (a Teams Workflows Adaptive Card) or
``slack`` (Slack incoming-webhook blocks).

The status file (MHP_STATUS_FILE, default ``<DAGSTER_HOME>/pipeline_status.json``)::

    {"job": "mh_pipeline", "status": "ok" | "failing" | "unknown", "updated_at": "...Z",
     "last_success": {"run_id", "job_name", "time", "timestamp", "started", "url"},
     "last_failure": {"run_id", "job_name", "time", "timestamp", "started",
                      "failed_steps": [...], "message", "step_errors": {step: message},
                      "url"}}

``time``/``started`` are ISO 8601 UTC (``...Z``), ``timestamp`` the same end time in Unix
seconds; ``url`` is null unless MHP_DAGSTER_URL is set.

It is rewritten atomically (temporary file + ``os.replace``) under an flock, so a monitor
polling it never reads half a file. ``status`` is ``failing`` while the newest of the two
entries is a failure.

The status file is written before any alert is sent. Every configured channel is tried;
if any failed, the sensor raises ``AlertDeliveryError`` after trying the rest, which shows
as a failed sensor tick in the Dagster UI (Dagster moves on to the next run: an alert is
never re-sent in a loop).
"""

import fcntl
import json
import logging
import os
import smtplib
import ssl
import time
import urllib.request
from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.config import Settings
from pipelines.operations.schedules import JOB_NAME
from pipelines.operations.settings import OperationsSettings
from pipelines.operations.webhooks import Alert, clip, webhook_payload

log = logging.getLogger(__name__)

MAX_MESSAGE = 4000
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class AlertDeliveryError(RuntimeError):
    """At least one configured alert channel could not be reached."""


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _clip(text: str, limit: int = MAX_MESSAGE) -> str:
    return clip(text.strip(), limit)


# ------------------------------------------------------------------ status file
def read_status(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _state(data: dict[str, Any]) -> str:
    ok, bad = data.get("last_success"), data.get("last_failure")
    if not bad:
        return "ok" if ok else "unknown"
    if not ok:
        return "failing"
    bad_t, ok_t = bad.get("timestamp"), ok.get("timestamp")
    if isinstance(bad_t, int | float) and isinstance(ok_t, int | float):
        return "failing" if bad_t >= ok_t else "ok"
    return "failing" if str(bad.get("time", "")) >= str(ok.get("time", "")) else "ok"


def update_status(path: Path, key: str, entry: dict[str, Any], job: str) -> dict[str, Any]:
    """Set ``key`` (last_success / last_failure) in the status file; return the old content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            old = read_status(path)
            new = dict(old)
            new[key] = entry
            new["job"] = job
            new["status"] = _state(new)
            new["updated_at"] = _iso(time.time())
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(new, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, path)
            return old
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# ------------------------------------------------------------------ channels
def send_email(ops: OperationsSettings, subject: str, body: str) -> None:
    """Send one plain-text e-mail through the configured SMTP server (smtplib)."""
    if not ops.email_enabled:
        return
    assert ops.smtp_host is not None
    if ops.smtp_user and not ops.smtp_starttls and ops.smtp_host not in LOOPBACK:
        raise AlertDeliveryError(
            "refusing to send the SMTP password without STARTTLS (set MHP_SMTP_STARTTLS=true)"
        )
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = ops.smtp_from
    msg["To"] = ", ".join(ops.alert_email_to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=ops.smtp_from.rpartition("@")[2] or None)
    msg.set_content(body)
    with smtplib.SMTP(ops.smtp_host, ops.smtp_port, timeout=ops.alert_timeout_s) as smtp:
        smtp.ehlo()
        if ops.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if ops.smtp_user:
            smtp.login(ops.smtp_user, ops.smtp_password or "")
        smtp.send_message(msg)


def post_webhook(ops: OperationsSettings, payload: dict[str, Any]) -> None:
    """POST ``payload`` as JSON to the webhook URL; raise on a non-2xx answer or a timeout."""
    if not ops.webhook_enabled:
        return
    assert ops.alert_webhook_url is not None
    req = urllib.request.Request(
        ops.alert_webhook_url,
        data=json.dumps(payload, default=str).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "mh-pipeline-alerts"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=ops.alert_timeout_s) as resp:  # noqa: S310
        if not 200 <= resp.status < 300:
            raise AlertDeliveryError(f"webhook answered HTTP {resp.status}")


def deliver(ops: OperationsSettings, alert: Alert, body: str) -> list[str]:
    """Send ``alert`` (e-mail: its subject + ``body``; webhook: its payload in the
    configured format) on every configured channel; return the channels used; raise if
    any failed."""
    used, errors = [], []
    for name, enabled, send in (
        ("email", ops.email_enabled, lambda: send_email(ops, alert.subject, body)),
        # the payload is built inside the try, so a bad payload costs the webhook only
        (
            "webhook",
            ops.webhook_enabled,
            lambda: post_webhook(ops, webhook_payload(ops.alert_webhook_format, alert)),
        ),
    ):
        if not enabled:
            continue
        try:
            send()
            used.append(name)
        except Exception as exc:  # every channel is tried before reporting
            log.error("alert via %s failed: %s", name, exc)
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
    if errors:
        raise AlertDeliveryError("; ".join(errors))
    return used


# ------------------------------------------------------------------ run facts
def _run_times(instance: dg.DagsterInstance, run_id: str) -> tuple[float, float | None]:
    record = instance.get_run_record_by_id(run_id)
    end = record.end_time if record is not None and record.end_time else time.time()
    start = record.start_time if record is not None else None
    return end, start


def _url(ops: OperationsSettings, run_id: str) -> str | None:
    return f"{ops.dagster_url}/runs/{run_id}" if ops.dagster_url else None


def failure_entry(
    context: dg.RunFailureSensorContext, ops: OperationsSettings
) -> dict[str, Any]:
    run = context.dagster_run
    end, start = _run_times(context.instance, run.run_id)
    step_errors: dict[str, str] = {}
    for event in context.get_step_failure_events():
        err = getattr(event.event_specific_data, "error", None)
        step_errors[event.step_key or "?"] = _clip(
            err.message if err is not None else (event.message or ""), 1500
        )
    message = context.failure_event.message or ""
    if step_errors:
        message += "\n\n" + "\n\n".join(f"[{k}] {v}" for k, v in step_errors.items())
    return {
        "run_id": run.run_id,
        "job_name": run.job_name,
        "time": _iso(end),
        "timestamp": end,
        "started": _iso(start) if start else None,
        "failed_steps": sorted(step_errors),
        "message": _clip(message),
        "step_errors": step_errors,
        "url": _url(ops, run.run_id),
    }


def failure_alert(entry: dict[str, Any], status_file: Path) -> tuple[Alert, str]:
    """The failure alert (subject, error messages, entry) and its e-mail body."""
    steps = ", ".join(entry["failed_steps"]) or "no step (run-level failure)"
    subject = f"[mh-pipeline] FAILED: {entry['job_name']} run {entry['run_id'][:8]} ({steps})"
    lines = [
        f"The Dagster run {entry['run_id']} of job {entry['job_name']} failed at "
        f"{entry['time']}.",
        f"Failed step(s): {steps}",
    ]
    if entry.get("url"):
        lines.append(f"Run: {entry['url']}")
    lines += [f"Status file: {status_file}", "", entry["message"], ""]
    lines.append("Runbook: docs/operations.md (failures, backfill, rollback).")
    return Alert("failure", subject, entry["message"], entry), "\n".join(lines)


def recovery_alert(entry: dict[str, Any], old: dict[str, Any]) -> tuple[Alert, str]:
    """The "recovered" alert after a failing state (``old``: the previous status file)."""
    subject = (
        f"[mh-pipeline] RECOVERED: {entry['job_name']} run {entry['run_id'][:8]} succeeded"
    )
    body = (
        f"The Dagster run {entry['run_id']} of job {entry['job_name']} succeeded at "
        f"{entry['time']} after the failure of run "
        f"{old.get('last_failure', {}).get('run_id')}.\n"
    )
    return Alert("recovery", subject, body.strip(), entry), body


def _watched(job_name: str, job_names: Iterable[str] | None) -> bool:
    return job_names is None or job_name in set(job_names)


# ------------------------------------------------------------------ sensors
def pipeline_failure_sensor(
    settings: Settings,
    ops: OperationsSettings,
    job_names: Iterable[str] | None = (JOB_NAME,),
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds: int = 30,
) -> dg.SensorDefinition:
    """``pipeline_failure_alert``: status file + e-mail/webhook for each failed run."""
    watched = tuple(job_names) if job_names is not None else None
    status_file = ops.status_path(settings)

    @dg.run_failure_sensor(
        name="pipeline_failure_alert",
        default_status=default_status,
        minimum_interval_seconds=minimum_interval_seconds,
        description=(
            f"On a failed run of {', '.join(watched) if watched else 'any job'}: writes "
            f"last_failure to {status_file} and alerts by e-mail/webhook if configured."
        ),
    )
    def pipeline_failure_alert(context: dg.RunFailureSensorContext):
        run = context.dagster_run
        if not _watched(run.job_name, watched):
            return None
        entry = failure_entry(context, ops)
        update_status(status_file, "last_failure", entry, job=run.job_name)
        alert, body = failure_alert(entry, status_file)
        used = deliver(ops, alert, body)
        context.log.info(
            f"run {run.run_id} failed; status file {status_file} updated; "
            f"alerts sent via {', '.join(used) or 'no channel (none configured)'}"
        )
        return None

    return pipeline_failure_alert


def pipeline_success_sensor(
    settings: Settings,
    ops: OperationsSettings,
    job_names: Iterable[str] | None = (JOB_NAME,),
    notify_recovery: bool = True,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds: int = 30,
) -> dg.SensorDefinition:
    """``pipeline_success_status``: last_success in the status file (+ "recovered" alert)."""
    watched = tuple(job_names) if job_names is not None else None
    status_file = ops.status_path(settings)

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="pipeline_success_status",
        default_status=default_status,
        minimum_interval_seconds=minimum_interval_seconds,
        description=f"On a successful run: writes last_success to {status_file}.",
    )
    def pipeline_success_status(context: dg.RunStatusSensorContext):
        run = context.dagster_run
        if not _watched(run.job_name, watched):
            return None
        end, start = _run_times(context.instance, run.run_id)
        entry = {
            "run_id": run.run_id,
            "job_name": run.job_name,
            "time": _iso(end),
            "timestamp": end,
            "started": _iso(start) if start else None,
            "url": _url(ops, run.run_id),
        }
        old = update_status(status_file, "last_success", entry, job=run.job_name)
        if notify_recovery and _state(old) == "failing":
            deliver(ops, *recovery_alert(entry, old))
        return None

    return pipeline_success_status
