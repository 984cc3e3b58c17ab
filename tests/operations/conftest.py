"""Fixtures for the operations tests: settings in tmp, a local SMTP server and a local
webhook receiver, both bound to 127.0.0.1 only."""

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.config import Settings, load_settings

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def make_settings(root: Path, **extra: str) -> Settings:
    env = {
        "MHP_RAW_DIR": str(root / "raw"),
        "MHP_WAREHOUSE": str(root / "warehouse" / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(root / "published"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    env.update(extra)
    return load_settings(env)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


# ------------------------------------------------------------------ SMTP (aiosmtpd)
@dataclass
class Mailbox:
    host: str
    port: int
    messages: list = field(default_factory=list)  # (mail_from, rcpt_tos, content bytes)
    logins: list = field(default_factory=list)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 that accepts any login and keeps what it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    box = Mailbox(LOOPBACK, free_port())

    def authenticator(server, session, envelope, mechanism, auth_data):
        box.logins.append((mechanism, auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    controller = Controller(
        _Handler(box),
        hostname=LOOPBACK,
        port=box.port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


# ------------------------------------------------------------------ webhook (http.server)
@dataclass
class Webhook:
    url: str
    received: list = field(default_factory=list)  # (path, headers dict, parsed JSON)
    raw: list = field(default_factory=list)  # the body bytes, as sent (same order)
    status: int = 200

    @property
    def payloads(self) -> list:
        """The parsed JSON bodies only."""
        return [payload for _, _, payload in self.received]


@pytest.fixture
def webhook_server() -> Iterator[Webhook]:
    """An HTTP server on 127.0.0.1 that records JSON POSTs (parsed, and the raw bytes)
    and answers ``hook.status``."""
    hook = Webhook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hook.raw.append(body)
            hook.received.append((self.path, dict(self.headers), json.loads(body)))
            self.send_response(hook.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    hook.url = f"http://{LOOPBACK}:{server.server_address[1]}/hooks/mh"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
