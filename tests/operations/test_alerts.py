"""Failure/success sensors: status file, e-mail to a local SMTP server, local webhook
(in each MHP_ALERT_WEBHOOK_FORMAT: json, teams, slack)."""

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
from pipelines.operations.settings import DEFAULTS, OperationsSettings, operations_settings

from .test_webhooks import assert_slack_message, assert_teams_message, slack_fields, teams_facts


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
    ops = replace(
        DEFAULTS, smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_user="alerts",
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


# ------------------------------------------------------------------ webhook formats
LONG_ERROR = "rejected <raw/rxx/mhsds.csv> & more: " + "column X is not a date; " * 600


@dg.op
def load_long(value: int) -> None:
    raise dg.Failure(description=LONG_ERROR)


@dg.job(name="mh_pipeline")
def long_failing_job():
    # three failing steps: each step error is clipped to 1,500 characters, so it takes
    # several to reach the 4,000 the status file keeps (more than a Slack section holds)
    value = extract()
    for name in ("load_a", "load_b", "load_c"):
        load_long.alias(name)(value)


def _format_ops(settings, webhook_server, fmt: str | None, dagster_url: bool = True):
    """Webhook-only settings in format ``fmt`` (None: MHP_ALERT_WEBHOOK_FORMAT unset)."""
    env = {
        "MHP_ALERT_WEBHOOK_URL": webhook_server.url,
        "MHP_ALERT_TIMEOUT_S": "5",
        "MHP_STATUS_FILE": str(settings.dagster_home / "status" / "pipeline_status.json"),
    }
    if fmt is not None:
        env["MHP_ALERT_WEBHOOK_FORMAT"] = fmt
    if dagster_url:
        env["MHP_DAGSTER_URL"] = "http://127.0.0.1:3000/"
    return operations_settings(env)


def _sent(webhook_server) -> dict:
    """The one body the webhook got, checked to be the JSON that was on the wire."""
    assert len(webhook_server.received) == 1
    path, headers, payload = webhook_server.received[0]
    assert path == "/hooks/mh" and headers["Content-Type"] == "application/json"
    assert json.loads(webhook_server.raw[0].decode("utf-8")) == payload
    return payload


@pytest.mark.parametrize("dagster_url", [True, False], ids=["with-url", "no-url"])
def test_failure_alert_as_a_teams_workflows_card(settings, webhook_server, dagster_url) -> None:
    webhook_server.status = 202  # what a Workflows trigger answers
    ops = _format_ops(settings, webhook_server, "teams", dagster_url=dagster_url)
    instance = dg.DagsterInstance.ephemeral()
    result = _run(failing_job, instance)
    pipeline_failure_sensor(settings, ops)(_failure_context(result, instance))

    url = f"http://127.0.0.1:3000/runs/{result.run_id}" if dagster_url else None
    card = assert_teams_message(_sent(webhook_server), url)
    assert card["body"][0]["text"].startswith("[mh-pipeline] FAILED: mh_pipeline run")
    assert card["body"][0]["color"] == "Attention"
    facts = teams_facts(card)
    assert facts["Failed steps"] == "load" and facts["Run"] == result.run_id
    assert facts["Job"] == "mh_pipeline" and facts["Time (UTC)"].endswith("Z")
    assert "2 raw file(s) rejected" in card["body"][-1]["text"]


def test_failure_alert_as_slack_blocks_with_a_very_long_message(settings, webhook_server) -> None:
    ops = _format_ops(settings, webhook_server, "slack")
    instance = dg.DagsterInstance.ephemeral()
    result = _run(long_failing_job, instance)
    pipeline_failure_sensor(settings, ops)(_failure_context(result, instance))

    status = read_status(ops.status_path(settings))["last_failure"]
    assert len(status["message"]) > 3000  # the status file keeps up to 4,000 characters
    payload = _sent(webhook_server)
    blocks = assert_slack_message(payload, f"http://127.0.0.1:3000/runs/{result.run_id}")
    assert payload["text"].startswith("[mh-pipeline] FAILED: mh_pipeline run")
    details = blocks[1]["text"]["text"]
    assert len(details) <= 3000 and details.endswith("... [truncated]\n```")
    assert "rejected &lt;raw/rxx/mhsds.csv&gt; &amp; more" in details
    fields = slack_fields(blocks)
    assert fields["*Failed steps*"] == "load_a, load_b, load_c"
    assert fields["*Run*"] == result.run_id


@pytest.mark.parametrize("fmt", [None, "json", " JSON "])
def test_failure_alert_json_is_unchanged_by_default(settings, webhook_server, fmt) -> None:
    ops = _format_ops(settings, webhook_server, fmt)
    assert ops.alert_webhook_format == "json"
    instance = dg.DagsterInstance.ephemeral()
    result = _run(failing_job, instance)
    pipeline_failure_sensor(settings, ops)(_failure_context(result, instance))

    payload = _sent(webhook_server)
    entry = read_status(ops.status_path(settings))["last_failure"]
    assert list(payload)[:2] == ["event", "text"] and payload["event"] == "pipeline_failure"
    assert {k: v for k, v in payload.items() if k not in {"event", "text"}} == entry
    subject = payload["text"].split("\n", 1)[0]
    assert subject == f"[mh-pipeline] FAILED: mh_pipeline run {result.run_id[:8]} (load)"
    assert payload["text"] == f"{subject}\n{entry['message'][:500]}"


@pytest.mark.parametrize("fmt", ["teams", "slack", "json"])
def test_recovery_alert_in_each_format(settings, webhook_server, fmt) -> None:
    ops = _format_ops(settings, webhook_server, fmt)
    instance = dg.DagsterInstance.ephemeral()
    failed = _run(failing_job, instance)
    pipeline_failure_sensor(settings, ops)(_failure_context(failed, instance))
    ok = _run(passing_job, instance)
    pipeline_success_sensor(settings, ops)(_success_context(ok, instance))

    assert len(webhook_server.received) == 2
    recovered = webhook_server.payloads[1]
    url = f"http://127.0.0.1:3000/runs/{ok.run_id}"
    subject = f"[mh-pipeline] RECOVERED: mh_pipeline run {ok.run_id[:8]} succeeded"
    if fmt == "teams":
        card = assert_teams_message(recovered, url)
        assert card["body"][0]["text"] == subject and card["body"][0]["color"] == "Good"
        assert teams_facts(card)["Run"] == ok.run_id
        assert "Failed steps" not in teams_facts(card)
        assert failed.run_id in card["body"][-1]["text"]  # "after the failure of run ..."
    elif fmt == "slack":
        blocks = assert_slack_message(recovered, url)
        assert recovered["text"] == subject and blocks[0]["text"]["text"] == subject
        assert failed.run_id in blocks[1]["text"]["text"]
        assert slack_fields(blocks)["*Run*"] == ok.run_id
    else:
        entry = read_status(ops.status_path(settings))["last_success"]
        assert recovered == {"event": "pipeline_recovered", "text": subject, **entry}


def test_webhook_format_setting() -> None:
    assert operations_settings({}).alert_webhook_format == "json"
    assert operations_settings({"MHP_ALERT_WEBHOOK_FORMAT": "  "}).alert_webhook_format == "json"
    assert operations_settings({"MHP_ALERT_WEBHOOK_FORMAT": " Teams "}).alert_webhook_format == (
        "teams"
    )
    assert operations_settings({"MHP_ALERT_WEBHOOK_FORMAT": "SLACK"}).alert_webhook_format == (
        "slack"
    )
    with pytest.raises(ValueError) as info:
        operations_settings({"MHP_ALERT_WEBHOOK_FORMAT": "xml"})
    assert str(info.value) == (
        "MHP_ALERT_WEBHOOK_FORMAT must be one of teams, slack, json, not 'xml'"
    )
