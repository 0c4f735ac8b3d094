"""Uploads that stop partway: a stalled body is answered 408 in bounded time, and a
client that leaves halfway is one line in the log, not a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from starlette.types import Message

from bot.bootstrap import App, build_app
from bot.settings import load_settings
from bot.web import uploads
from bot.web.app import create_app
from tests.integration.web.conftest import NOW
from tests.integration.web.test_redacted_names import user_calls

TIMEOUT_S = 0.2
TOKEN = "a-webhook-credential"
HEADERS = [
    (b"host", b"127.0.0.1"),
    (b"content-type", b"application/json"),
    (b"authorization", f"Bearer {TOKEN}".encode()),
]


@pytest.fixture
def app(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(uploads, "UPLOAD_TIMEOUT_S", TIMEOUT_S)
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"
    settings = load_settings(database_url=url, alert_token=TOKEN)
    with build_app(settings, clock=lambda: float(NOW)) as made:  # when the spans are sent
        yield made


def request(
    app: App, path: str, parts: list[Message], *, then: Callable[[], Message] | None = None
) -> list[Message]:
    """Send `parts` to `path` of the web app; after them, `then` or nothing, ever."""
    web = create_app(app)
    size = sum(len(part.get("body", b"")) for part in parts)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*HEADERS, (b"content-length", str(size * 10).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    pending = list(parts)
    sent: list[Message] = []

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return then()
        await asyncio.Event().wait()  # the client sends nothing more and stays
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        await asyncio.wait_for(web(scope, receive, send), 10)

    asyncio.run(run())
    return sent


def part(body: bytes) -> Message:
    return {"type": "http.request", "body": body, "more_body": True}


def status(sent: list[Message]) -> int:
    return next(int(m["status"]) for m in sent if m["type"] == "http.response.start")


@pytest.mark.parametrize("path", ["/v1/traces", "/v1/logs", "/alerts/alertmanager"])
def test_a_body_that_stops_coming_is_answered_408(app, path):
    sent = request(app, path, [part(b'{"resourceSpans": [')])

    assert status(sent) == 408
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert (b"connection", b"close") in start["headers"]


def test_a_client_that_leaves_halfway_is_one_line_in_the_log(app, caplog):
    caplog.set_level(logging.INFO)

    sent = request(
        app, "/v1/traces", [part(b'{"resourceSpans": [')], then=lambda: {"type": "http.disconnect"}
    )

    assert status(sent) == uploads.CLIENT_LEFT
    (line,) = [r for r in caplog.records if r.name == "bot.web.uploads"]
    assert line.getMessage() == "/v1/traces from 127.0.0.1 left after 19 bytes of its body"
    assert line.exc_info is None
    assert not [r for r in caplog.records if r.exc_info]


def test_a_body_that_arrives_in_time_is_answered_as_usual(app):
    body = user_calls("1234567", "1" * 32)
    halves = [part(body[:100]), {"type": "http.request", "body": body[100:], "more_body": False}]

    sent = request(app, "/v1/traces", halves, then=lambda: {"type": "http.disconnect"})

    assert status(sent) == 200
    assert app.store.nodes()
