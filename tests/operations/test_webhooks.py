"""Webhook bodies per MHP_ALERT_WEBHOOK_FORMAT: Teams Workflows Adaptive Card, Slack
incoming-webhook blocks, the generic json payload. No Dagster, no network.

``assert_teams_message`` / ``assert_slack_message`` check what each tool accepts; the
sensor tests in test_alerts.py reuse them on the bodies the local webhook server got."""

import json
import re
from typing import Any

import pytest

from pipelines.operations.webhooks import (
    SLACK_FIELD_MAX,
    SLACK_FIELDS_MAX,
    SLACK_HEADER_MAX,
    SLACK_SECTION_MAX,
    WEBHOOK_FORMATS,
    Alert,
    clip,
    webhook_payload,
)

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
SLACK_BLOCK_TYPES = {"header", "section", "actions", "divider", "context"}
URL = "https://dagster.trust.example/runs/1a2b3c4d-0000-1111-2222-333344445555"


# ------------------------------------------------------------------ validators
def _no_nulls(node: Any, where: str) -> None:
    if node is None:
        raise AssertionError(f"null at {where}")
    if isinstance(node, dict):
        for key, value in node.items():
            _no_nulls(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _no_nulls(value, f"{where}[{i}]")


def assert_teams_message(payload: dict[str, Any], url: str | None) -> dict[str, Any]:
    """A body the Teams Workflows webhook trigger accepts; returns the Adaptive Card."""
    assert payload["type"] == "message"
    assert len(payload["attachments"]) == 1
    attachment = payload["attachments"][0]
    assert attachment["contentType"] == ADAPTIVE
    assert "contentUrl" in attachment and attachment["contentUrl"] is None
    card = attachment["content"]
    _no_nulls(card, "content")
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] in {"1.4", "1.5"}
    assert card["body"], "an Adaptive Card needs a body"
    for element in card["body"]:
        assert element["type"] in {"TextBlock", "FactSet"}
        if element["type"] == "TextBlock":
            assert element["wrap"] is True and isinstance(element["text"], str)
            assert element["text"].strip()
        else:
            assert element["facts"]
            for fact in element["facts"]:
                assert set(fact) == {"title", "value"}
                assert isinstance(fact["title"], str) and isinstance(fact["value"], str)
    if url is None:
        assert "actions" not in card
    else:
        assert card["actions"] == [
            {"type": "Action.OpenUrl", "title": "Open run in Dagster", "url": url}
        ]
    assert len(json.dumps(payload).encode()) < 28 * 1024  # Teams' message size limit
    return card


def teams_facts(card: dict[str, Any]) -> dict[str, str]:
    (factset,) = [e for e in card["body"] if e["type"] == "FactSet"]
    return {f["title"]: f["value"] for f in factset["facts"]}


def assert_slack_message(payload: dict[str, Any], url: str | None) -> list[dict[str, Any]]:
    """A body a Slack incoming webhook accepts (Block Kit limits); returns the blocks."""
    assert set(payload) == {"text", "blocks"}
    assert isinstance(payload["text"], str) and payload["text"].strip()
    blocks = payload["blocks"]
    _no_nulls(blocks, "blocks")
    assert 1 <= len(blocks) <= 50
    assert {b["type"] for b in blocks} <= SLACK_BLOCK_TYPES
    header = blocks[0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert 0 < len(header["text"]["text"]) <= SLACK_HEADER_MAX
    buttons = []
    for block in blocks:
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert block["text"]["type"] == "mrkdwn"
                assert 0 < len(block["text"]["text"]) <= SLACK_SECTION_MAX
            for field in block.get("fields", []):
                assert field["type"] == "mrkdwn"
                assert 0 < len(field["text"]) <= SLACK_FIELD_MAX
            assert len(block.get("fields", [])) <= SLACK_FIELDS_MAX
        elif block["type"] == "actions":
            for element in block["elements"]:
                assert element["type"] == "button"
                assert len(element["text"]["text"]) <= 75 and len(element["url"]) <= 3000
                buttons.append(element["url"])
    assert buttons == ([url] if url else [])
    return blocks


def slack_fields(blocks: list[dict[str, Any]]) -> dict[str, str]:
    (section,) = [b for b in blocks if "fields" in b]
    return dict(f["text"].split("\n", 1) for f in section["fields"])


# ------------------------------------------------------------------ fixtures
def _entry(**overrides: Any) -> dict[str, Any]:
    entry = {
        "run_id": "1a2b3c4d-0000-1111-2222-333344445555",
        "job_name": "mh_pipeline",
        "time": "2024-06-03T02:07:41Z",
        "timestamp": 1717380461.2,
        "started": "2024-06-03T02:00:04Z",
        "failed_steps": ["ingest_raw_extracts"],
        "message": "1 raw file(s) rejected: raw/rxx/mhsds.csv: unknown column <Ward & Bed>",
        "step_errors": {"ingest_raw_extracts": "1 raw file(s) rejected"},
        "url": URL,
    }
    entry.update(overrides)
    return entry


def _failure(**overrides: Any) -> Alert:
    entry = _entry(**overrides)
    subject = f"[mh-pipeline] FAILED: mh_pipeline run 1a2b3c4d ({', '.join(entry['failed_steps'])})"
    return Alert("failure", subject, entry["message"], entry)


def _recovery(url: str | None = URL) -> Alert:
    entry = {"run_id": "9f8e7d6c-aaaa", "job_name": "mh_pipeline",
             "time": "2024-06-04T02:06:55Z", "timestamp": 1717466815.0,
             "started": None, "url": url}
    return Alert("recovery", "[mh-pipeline] RECOVERED: mh_pipeline run 9f8e7d6c succeeded",
                 "The Dagster run 9f8e7d6c-aaaa succeeded after the failure of run 1a2b.", entry)


# ------------------------------------------------------------------ json
def test_json_is_the_generic_payload_unchanged() -> None:
    alert = _failure(message="x" * 900)
    payload = webhook_payload("json", alert)
    assert list(payload) == ["event", "text", *alert.entry]
    assert payload["event"] == "pipeline_failure"
    assert payload["text"] == f"{alert.subject}\n{'x' * 500}"
    assert {k: v for k, v in payload.items() if k not in {"event", "text"}} == alert.entry

    recovered = webhook_payload("json", _recovery(url=None))
    assert recovered["event"] == "pipeline_recovered"
    assert recovered["text"] == "[mh-pipeline] RECOVERED: mh_pipeline run 9f8e7d6c succeeded"
    assert recovered["url"] is None and recovered["started"] is None  # as before


# ------------------------------------------------------------------ Teams
def test_teams_failure_card() -> None:
    card = assert_teams_message(webhook_payload("teams", _failure()), URL)
    title = card["body"][0]
    assert title["text"].startswith("[mh-pipeline] FAILED")
    assert (title["weight"], title["size"], title["color"]) == ("Bolder", "Medium", "Attention")
    facts = teams_facts(card)
    assert facts["Failed steps"] == "ingest_raw_extracts"
    assert facts["Run"] == "1a2b3c4d-0000-1111-2222-333344445555"
    assert facts["Job"] == "mh_pipeline" and facts["Time (UTC)"] == "2024-06-03T02:07:41Z"
    assert any("unknown column <Ward & Bed>" in b.get("text", "") for b in card["body"])


def test_teams_without_url_has_no_action_and_no_nulls_for_missing_facts() -> None:
    alert = _failure(url=None, failed_steps=[], time=None, message="")
    card = assert_teams_message(webhook_payload("teams", alert), None)
    assert teams_facts(card)["Failed steps"] == "none (run-level failure)"
    assert teams_facts(card)["Time (UTC)"] == "?"
    assert len(card["body"]) == 2  # no empty details block


def test_teams_recovery_card_is_green_and_keeps_lines_apart() -> None:
    card = assert_teams_message(webhook_payload("teams", _recovery()), URL)
    assert card["body"][0]["color"] == "Good"
    assert "Failed steps" not in teams_facts(card)
    alert = _failure(message="first line\nsecond line\n\n\nthird")
    details = assert_teams_message(webhook_payload("teams", alert), URL)["body"][-1]["text"]
    # CommonMark joins single newlines: each line break is sent as a paragraph break
    assert details == "first line\n\nsecond line\n\nthird"


# ------------------------------------------------------------------ Slack
def test_slack_failure_message() -> None:
    payload = webhook_payload("slack", _failure())
    blocks = assert_slack_message(payload, URL)
    assert payload["text"].startswith("[mh-pipeline] FAILED")
    assert blocks[0]["text"]["text"].startswith("[mh-pipeline] FAILED")
    details = blocks[1]["text"]["text"]
    assert details.startswith("```\n") and details.endswith("\n```")
    # <, > and & are entities in mrkdwn, or Slack would read <...> as a link
    assert "unknown column &lt;Ward &amp; Bed&gt;" in details
    fields = slack_fields(blocks)
    assert fields["*Failed steps*"] == "ingest_raw_extracts"
    assert fields["*Run*"] == "1a2b3c4d-0000-1111-2222-333344445555"


def test_slack_respects_block_limits_for_huge_content() -> None:
    steps = [f"step_{i:03d}_" + "s" * 40 for i in range(100)]
    alert = _failure(
        message="&<>" * 5000 + "\n" + "e" * 20_000,
        failed_steps=steps,
        job_name="j" * 5000,
    )
    alert = Alert("failure", "[mh-pipeline] FAILED: " + "x" * 400, alert.message, alert.entry)
    blocks = assert_slack_message(webhook_payload("slack", alert), URL)
    assert blocks[0]["text"]["text"].endswith("... [truncated]")
    details = blocks[1]["text"]["text"]
    assert len(details) <= SLACK_SECTION_MAX and details.endswith("\n```")
    assert "&amp;&lt;&gt;" in details and details.endswith("... [truncated]\n```")
    assert slack_fields(blocks)["*Failed steps*"].endswith("... [truncated]")


@pytest.mark.parametrize("shift", range(6))
def test_slack_never_cuts_an_entity_in_half(shift: int) -> None:
    alert = _failure(message="x" * shift + "&" * 3000)
    details = assert_slack_message(webhook_payload("slack", alert), URL)[1]["text"]["text"]
    body = details.removeprefix("```\n").removesuffix("... [truncated]\n```")
    assert re.fullmatch(r"x*(&amp;)+", body), body[-12:]


def test_slack_recovery_without_url_has_no_button() -> None:
    blocks = assert_slack_message(webhook_payload("slack", _recovery(url=None)), None)
    assert [b["type"] for b in blocks] == ["header", "section", "section"]
    assert not blocks[1]["text"]["text"].startswith("```")  # a sentence, not an error dump
    assert "*Failed steps*" not in slack_fields(blocks)


def test_slack_overlong_url_gives_no_button_rather_than_a_wrong_link() -> None:
    long_url = "https://dagster.trust.example/runs/" + "r" * 3000
    assert_slack_message(webhook_payload("slack", _failure(url=long_url)), None)


# ------------------------------------------------------------------ dispatch
def test_every_format_has_a_builder_and_unknown_formats_fail() -> None:
    assert WEBHOOK_FORMATS == ("teams", "slack", "json")
    for fmt in WEBHOOK_FORMATS:
        json.dumps(webhook_payload(fmt, _failure()))  # serialisable as sent
    with pytest.raises(ValueError, match="teams, slack, json"):
        webhook_payload("xml", _failure())


def test_clip() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 100, 20) == "xxxxx... [truncated]"
    assert len(clip("x" * 100, 5)) == 5
