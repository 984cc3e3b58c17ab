"""Failure/success sensors: status file, e-mail to a local SMTP server, local webhook."""

import email
import json
from dataclasses import replace
from email import policy

import dagster as dg
import pytest

from pipelines.operations.alerts import (
    AlertDeliveryError,
    pipeline_failure_sensor,
    pipeline_success_sensor,
    read_status,
    send_email,
)
from pipelines.operations.settings import OperationsSettings, operations_settings


@dg.op
def extract() -> int:
    return 1


@dg.op
def load(value: int) -> None:
    raise dg.Failure(
        description="2 raw file(s) rejected; nothing downstream runs until these are fixed",
        metadata={"rejected_files": 2},
    )


@dg.job(name="mh_pipeline")
def failing_job():
    load(extract())


@dg.op
def fine() -> None:
    pass


@dg.job(name="mh_pipeline")
def passing_job():
    fine()


@dg.job(name="some_other_job")
def other_failing_job():
    load(extract())


def _run(job: dg.JobDefinition, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return job.execute_in_process(instance=instance, raise_on_error=False)


def _failure_context(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance):
    event = result.get_run_failure_event()
    assert event.event_type == dg.DagsterEventType.RUN_FAILURE
    return dg.build_run_status_sensor_context(
        sensor_name="pipeline_failure_alert",
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()


def _success_context(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance):
    event = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_SUCCESS)
    return dg.build_run_status_sensor_context(
        sensor_name="pipeline_success_status",
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )


@pytest.fixture
def ops(settings, smtp_server, webhook_server) -> OperationsSettings:
    return operations_settings(
        {
            "MHP_SMTP_HOST": smtp_server.host,
            "MHP_SMTP_PORT": str(smtp_server.port),
            "MHP_SMTP_FROM": "pipeline@trust.example",
            "MHP_ALERT_EMAIL_TO": "data-team@trust.example, oncall@trust.example",
            "MHP_ALERT_WEBHOOK_URL": webhook_server.url,
            "MHP_ALERT_TIMEOUT_S": "5",
            "MHP_DAGSTER_URL": "http://127.0.0.1:3000/",
            "MHP_STATUS_FILE": str(settings.dagster_home / "status" / "pipeline_status.json"),
        }
    )


def test_failed_run_writes_status_and_alerts_by_email_and_webhook(
    settings, ops, smtp_server, webhook_server
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = _run(failing_job, instance)
    assert not result.success
    sensor = pipeline_failure_sensor(settings, ops)
    assert sensor.name == "pipeline_failure_alert"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

    sensor(_failure_context(result, instance))

    run_id = result.run_id
    status = read_status(ops.status_path(settings))
    assert status["status"] == "failing" and status["job"] == "mh_pipeline"
    failure = status["last_failure"]
    assert failure["run_id"] == run_id
    assert failure["failed_steps"] == ["load"]
    assert "2 raw file(s) rejected" in failure["message"]
    assert failure["time"].endswith("Z") and failure["url"] == f"http://127.0.0.1:3000/runs/{run_id}"
    assert "last_success" not in status

    assert len(smtp_server.messages) == 1
    mail_from, rcpts, content = smtp_server.messages[0]
    assert mail_from == "pipeline@trust.example"
    assert rcpts == ["data-team@trust.example", "oncall@trust.example"]
    msg = email.message_from_bytes(content, policy=policy.default)
    assert msg["Subject"].startswith("[mh-pipeline] FAILED: mh_pipeline run")
    assert "(load)" in msg["Subject"]
    body = msg.get_content()
    assert run_id in body and "2 raw file(s) rejected" in body

    assert len(webhook_server.received) == 1
    path, headers, payload = webhook_server.received[0]
    assert path == "/hooks/mh" and headers["Content-Type"] == "application/json"
    assert payload["event"] == "pipeline_failure" and payload["run_id"] == run_id
    assert payload["failed_steps"] == ["load"] and "FAILED" in payload["text"]


def test_success_updates_status_and_announces_recovery(
    settings, ops, smtp_server, webhook_server
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    failed = _run(failing_job, instance)
    pipeline_failure_sensor(settings, ops)(_failure_context(failed, instance))
    ok = _run(passing_job, instance)
    assert ok.success
    success_sensor = pipeline_success_sensor(settings, ops)

    success_sensor(_success_context(ok, instance))
    status = read_status(ops.status_path(settings))
    assert status["status"] == "ok"
    assert status["last_success"]["run_id"] == ok.run_id
    assert status["last_failure"]["run_id"] == failed.run_id  # kept
    assert [p["event"] for _, _, p in webhook_server.received] == [
        "pipeline_failure", "pipeline_recovered"]
    assert len(smtp_server.messages) == 2

    again = _run(passing_job, instance)  # success after success: no more alerts
    success_sensor(_success_context(again, instance))
    assert read_status(ops.status_path(settings))["last_success"]["run_id"] == again.run_id
    assert len(webhook_server.received) == 2 and len(smtp_server.messages) == 2


def test_other_jobs_are_ignored(settings, ops, smtp_server, webhook_server) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = _run(other_failing_job, instance)
    pipeline_failure_sensor(settings, ops)(_failure_context(result, instance))
    assert not ops.status_path(settings).exists()
    assert smtp_server.messages == [] and webhook_server.received == []
    pipeline_failure_sensor(settings, ops, job_names=None)(_failure_context(result, instance))
    assert read_status(ops.status_path(settings))["last_failure"]["job_name"] == "some_other_job"


def test_status_file_written_even_when_the_webhook_fails(
    settings, ops, smtp_server, webhook_server
) -> None:
    webhook_server.status = 500
    instance = dg.DagsterInstance.ephemeral()
    result = _run(failing_job, instance)
    with pytest.raises(Exception, match="webhook: HTTPError") as info:
        pipeline_failure_sensor(settings, ops)(_failure_context(result, instance))
    assert isinstance(info.value, AlertDeliveryError) or "AlertDeliveryError" in repr(info.value)
    assert read_status(ops.status_path(settings))["last_failure"]["run_id"] == result.run_id
    assert len(smtp_server.messages) == 1  # e-mail still tried and delivered


def test_no_channels_configured_only_writes_the_status_file(settings) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = _run(failing_job, instance)
    ops = operations_settings({})
    pipeline_failure_sensor(settings, ops)(_failure_context(result, instance))
    path = settings.dagster_home / "pipeline_status.json"  # the default location
    assert json.loads(path.read_text())["last_failure"]["failed_steps"] == ["load"]


def test_smtp_login_and_password_policy(smtp_server) -> None:
    ops = OperationsSettings(
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_user="alerts",
        smtp_password="s3cret", alert_email_to=("a@trust.example",),
    )
    assert "s3cret" not in repr(ops)
    send_email(ops, "subject", "body")  # loopback server: login allowed without STARTTLS
    assert smtp_server.logins and smtp_server.logins[0][1:] == ("alerts", "s3cret")
    remote = replace(ops, smtp_host="smtp.trust.example")
    with pytest.raises(AlertDeliveryError, match="without STARTTLS"):
        send_email(remote, "subject", "body")  # refused before connecting


def test_settings_parsing() -> None:
    ops = operations_settings({"MHP_SMTP_STARTTLS": "yes", "MHP_FRESHNESS_HOURS": "12.5",
                               "MHP_STATUS_FILE": "var/status.json"})
    assert ops.smtp_starttls and ops.freshness_hours == 12.5
    assert ops.status_file is not None and ops.status_file.is_absolute()
    assert not ops.email_enabled and not ops.webhook_enabled
    with pytest.raises(ValueError, match="http"):
        operations_settings({"MHP_ALERT_WEBHOOK_URL": "file:///etc/passwd"})
    with pytest.raises(ValueError, match="MHP_SMTP_PORT"):
        operations_settings({"MHP_SMTP_PORT": "twenty-five"})
