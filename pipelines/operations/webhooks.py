"""The body POSTed to MHP_ALERT_WEBHOOK_URL, in the format MHP_ALERT_WEBHOOK_FORMAT names.

One entry point, ``webhook_payload(fmt, alert) -> dict``, used by ``alerts.py`` for the
failure and the recovery alert. ``Alert`` holds what every format shows: the kind of
event, a one-line subject, the details (error messages, or one sentence for a
recovery) and the status-file entry of the run (``run_id``, ``job_name``, ``time``,
``url``, and for a failure ``failed_steps``, ``message``, ...).

- ``json`` (default): the generic payload the pipeline has always sent, unchanged:
  ``{"event": "pipeline_failure" | "pipeline_recovered", "text": ..., **entry}``.
- ``teams``: a Microsoft Teams Workflows webhook ("When a Teams webhook request is
  received" / "Post to a channel when a webhook request is received"): a ``message``
  with one Adaptive Card attachment (title, FactSet, details, "Open run in Dagster"
  button when the run URL is known). Workflows accept Adaptive Cards only, not the
  MessageCard format of the retired Office 365 connectors.
- ``slack``: a Slack incoming webhook: ``text`` (notification fallback) and Block Kit
  ``blocks`` (header, details, fields, button), clipped to Slack's documented limits,
  since Slack rejects the whole message (HTTP 400 ``invalid_blocks``) when one block is
  too long.

This module has no Dagster import and does no I/O.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

WebhookFormat = Literal["teams", "slack", "json"]
WEBHOOK_FORMATS: tuple[str, ...] = get_args(WebhookFormat)
AlertKind = Literal["failure", "recovery"]

EVENTS: dict[AlertKind, str] = {"failure": "pipeline_failure", "recovery": "pipeline_recovered"}
BUTTON_TITLE = "Open run in Dagster"
TRUNCATED = "... [truncated]"
JSON_TEXT_DETAILS = 500  # characters of the message in the json payload's ``text``

# Teams: 1.4 is rendered by every current Teams client (desktop, web, mobile) and this card
# needs nothing from 1.5; the details are capped so the body stays under Teams' 28 KB.
TEAMS_CARD_VERSION = "1.4"
TEAMS_MAX_DETAILS = 4000

# Slack Block Kit limits (docs.slack.dev/reference/block-kit): header plain_text 150,
# section text 3000, section fields 10 items of 2000, button text 75 and URL 3000.
SLACK_HEADER_MAX = 150
SLACK_SECTION_MAX = 3000
SLACK_FIELDS_MAX = 10
SLACK_FIELD_MAX = 2000
SLACK_BUTTON_TEXT_MAX = 75
SLACK_URL_MAX = 3000
SLACK_TEXT_MAX = 3000  # top-level fallback: Slack's own cap is 40,000; a subject is enough


@dataclass(frozen=True)
class Alert:
    """What an alert says, whatever the format it is sent in."""

    kind: AlertKind
    subject: str  # one line: e-mail subject, card title, Slack header
    message: str  # the details: error messages (failure) or one sentence (recovery)
    entry: Mapping[str, Any]  # the run's status-file entry (last_failure / last_success)

    @property
    def url(self) -> str | None:
        url = self.entry.get("url")
        return str(url) if url else None

    def facts(self) -> list[tuple[str, str]]:
        """(title, value) pairs shown as a Teams FactSet / Slack fields; never None."""
        facts = [
            ("Job", str(self.entry.get("job_name") or "?")),
            ("Run", str(self.entry.get("run_id") or "?")),
            ("Time (UTC)", str(self.entry.get("time") or "?")),
        ]
        if self.kind == "failure":
            steps = ", ".join(str(s) for s in self.entry.get("failed_steps") or ())
            facts.append(("Failed steps", steps or "none (run-level failure)"))
        return facts


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with a visible marker when cut."""
    if len(text) <= limit:
        return text
    if limit <= len(TRUNCATED):
        return text[: max(limit, 0)]
    return text[: limit - len(TRUNCATED)] + TRUNCATED


# ------------------------------------------------------------------ json (generic)
def json_payload(alert: Alert) -> dict[str, Any]:
    """The generic payload, exactly as before the format setting existed."""
    text = alert.subject
    if alert.kind == "failure":
        text += "\n" + alert.message[:JSON_TEXT_DETAILS]
    return {"event": EVENTS[alert.kind], "text": text, **alert.entry}


# ------------------------------------------------------------------ Microsoft Teams
def _teams_text(text: str) -> str:
    # TextBlock markdown follows CommonMark, where a single newline is a soft break that
    # is rendered as a space: double every line break so error lines stay on their own.
    return re.sub(r"\n+", "\n\n", text.strip())


def teams_payload(alert: Alert) -> dict[str, Any]:
    """A Teams Workflows webhook body: a message with one Adaptive Card attachment."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": alert.subject,
            "weight": "Bolder",
            "size": "Medium",
            "color": "Attention" if alert.kind == "failure" else "Good",
            "wrap": True,
        },
        {
            "type": "FactSet",
            "facts": [{"title": title, "value": value} for title, value in alert.facts()],
        },
    ]
    if alert.message.strip():  # an empty TextBlock renders as a blank gap
        body.append(
            {
                "type": "TextBlock",
                "text": _teams_text(clip(alert.message, TEAMS_MAX_DETAILS)),
                "wrap": True,
                "spacing": "Medium",
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": TEAMS_CARD_VERSION,
        "fallbackText": alert.subject,
        "msteams": {"width": "Full"},  # long error messages read badly in a narrow card
        "body": body,
    }
    if alert.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": BUTTON_TITLE, "url": alert.url}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


# ------------------------------------------------------------------ Slack
def _slack_escape(text: str) -> str:
    # Slack's mrkdwn reads <...> as links/mentions and & as an entity: these three must
    # be sent as HTML entities or parts of an error message vanish.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_mrkdwn(text: str, limit: int, wrap: Callable[[str], str] = lambda s: s) -> str:
    """``wrap`` of the escaped ``text``, at most ``limit`` characters in all.

    Cut after escaping (entities make the text longer), but never inside an entity:
    a dangling ``&am`` would show as such."""
    room = limit - len(wrap(""))
    escaped = _slack_escape(text)
    if len(escaped) > room:
        cut = escaped[: room - len(TRUNCATED)]
        amp = cut.rfind("&", len(cut) - 4)  # the longest entity, &amp;, has 5 characters
        if amp != -1 and ";" not in cut[amp:]:
            cut = cut[:amp]
        escaped = cut + TRUNCATED
    return wrap(escaped)


def _slack_code(text: str) -> str:
    # a code block: the error text is shown verbatim (no *bold*, _italic_ or ~strike~)
    return f"```\n{text}\n```"


def slack_payload(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook body: fallback ``text`` and Block Kit ``blocks``."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": clip(alert.subject, SLACK_HEADER_MAX)},
        }
    ]
    details = alert.message.strip()
    if details:  # Slack rejects a section whose text is empty
        wrap = _slack_code if alert.kind == "failure" else (lambda s: s)
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _slack_mrkdwn(details, SLACK_SECTION_MAX, wrap),
                },
            }
        )
    fields = []
    for title, value in alert.facts()[:SLACK_FIELDS_MAX]:
        head = f"*{title}*\n"
        fields.append(
            {"type": "mrkdwn", "text": head + _slack_mrkdwn(value, SLACK_FIELD_MAX - len(head))}
        )
    blocks.append({"type": "section", "fields": fields})
    if alert.url and len(alert.url) <= SLACK_URL_MAX:  # a cut URL would be a wrong link
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {
                            "type": "plain_text",
                            "text": clip(BUTTON_TITLE, SLACK_BUTTON_TEXT_MAX),
                        },
                        "url": alert.url,
                    }
                ],
            }
        )
    return {"text": _slack_mrkdwn(alert.subject, SLACK_TEXT_MAX), "blocks": blocks}


# ------------------------------------------------------------------ dispatch
_BUILDERS: dict[str, Callable[[Alert], dict[str, Any]]] = {
    "teams": teams_payload,
    "slack": slack_payload,
    "json": json_payload,
}


def webhook_payload(fmt: str, alert: Alert) -> dict[str, Any]:
    """The webhook body for ``alert`` in format ``fmt`` (one of WEBHOOK_FORMATS)."""
    try:
        build = _BUILDERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown webhook format {fmt!r}; expected one of {', '.join(WEBHOOK_FORMATS)}"
        ) from None
    return build(alert)
