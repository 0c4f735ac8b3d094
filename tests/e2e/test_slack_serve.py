"""`svcmap serve` answers `/svcmap` from Slack over HTTP and over Socket Mode, into a fake_slack
Slack Web API on 127.0.0.1, with the sample shop imported through the CLI."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.e2e.conftest import Run
from tests.slack.fake_api import FakeSlack
from tests.slack.fake_socket import FakeSocketMode
from tests.slack.requests import SECRET, command_body, signed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(svcmap: Callable[..., Run], tmp_path: Path) -> dict[str, str]:
    """Settings of a store holding the sample shop, imported with `svcmap import`."""
    done = svcmap("import", *sorted((ROOT / "samples" / "traces").glob("*.json")))
    assert done.code == 0, done.err
    return {
        "SVCMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'svcmap.db'}",
        "SVCMAP_CATALOG_FILE": str(ROOT / "samples" / "owners.yaml"),
        "SVCMAP_DEFAULT_WINDOW": "",
    }


def slack_settings(fake_slack: FakeSlack, **more: str) -> dict[str, str]:
    return {
        "SVCMAP_SLACK_BOT_TOKEN": "xoxb-e2e-token",
        "SVCMAP_SLACK_SIGNING_SECRET": SECRET,
        "SVCMAP_SLACK_API_URL": fake_slack.api_url,
        **more,
    }


def test_a_signed_command_is_acked_at_once_and_answered_with_a_picture(
    serve: Callable[..., tuple[str, dict[str, str]]], shop: dict[str, str], fake_slack: FakeSlack
) -> None:
    base, _ = serve(**shop, **slack_settings(fake_slack))
    body = command_body("blast payment", response_url=fake_slack.response_url())
    started = time.monotonic()
    acked = httpx.post(f"{base}/slack/events", content=body, headers=signed(body), timeout=5)
    assert acked.status_code == 200
    assert time.monotonic() - started < 3
    (message,) = fake_slack.wait_for("chat.postMessage")
    assert "*Blast radius of payment* (owned by payments)" in message.text_of_blocks()
    fake_slack.wait_for("files.completeUploadExternal")
    (picture,) = fake_slack.uploads.values()
    assert picture.startswith(b"\x89PNG")


def test_a_request_with_a_bad_signature_is_refused_by_the_server(
    serve: Callable[..., tuple[str, dict[str, str]]], shop: dict[str, str], fake_slack: FakeSlack
) -> None:
    base, _ = serve(**shop, **slack_settings(fake_slack))
    body = command_body("blast payment", response_url=fake_slack.response_url())
    headers = signed(body, secret="wrong")
    assert httpx.post(f"{base}/slack/events", content=body, headers=headers).status_code == 401
    time.sleep(0.5)
    assert "chat.postMessage" not in fake_slack.methods()


def test_without_slack_settings_there_is_no_slack_endpoint(
    serve: Callable[..., tuple[str, dict[str, str]]],
) -> None:
    base, _ = serve()
    assert httpx.post(f"{base}/slack/events", content="x").status_code == 404


def test_over_socket_mode_a_command_is_acked_on_the_socket_and_answered(
    serve: Callable[..., tuple[str, dict[str, str]]], shop: dict[str, str], fake_slack: FakeSlack
) -> None:
    socket = FakeSocketMode()
    fake_slack.socket_url = socket.url
    try:
        serve(**shop, **slack_settings(fake_slack, SVCMAP_SLACK_APP_TOKEN="xapp-e2e-token"))
        opened = fake_slack.wait_for("apps.connections.open")
        assert opened[0].headers["Authorization"] == "Bearer xapp-e2e-token"
        payload = dict(
            parse_qsl(command_body("owners checkout", response_url=fake_slack.response_url()))
        )
        socket.send("slash_commands", payload, envelope_id="env-1")
        ack = socket.acks.get(timeout=10)
        assert ack["envelope_id"] == "env-1"
        (message,) = fake_slack.wait_for("chat.postMessage")
        assert "*checkout* is owned by web" in message.text_of_blocks()
    finally:
        socket.close()


EVERY_QUESTION = {
    "deps checkout --depth 1": "*Dependencies of checkout*",
    "blast payment": "*Blast radius of payment*",
    "rca frontend --at 2026-05-01T02:30:00Z --window 20m --baseline 60m": "1. *stripe-api*",
    "path frontend postgres": "frontend \u2192 productcatalog \u2192 postgres",
    "simulate down payment,cart": "*If payment, cart went down*",
    "owners checkout": "*checkout* is owned by web",
}


def test_every_question_is_answered_over_http_with_text_and_a_picture(
    serve: Callable[..., tuple[str, dict[str, str]]], shop: dict[str, str], fake_slack: FakeSlack
) -> None:
    # the sample traffic is from May 2026: keep its minutes from being rolled into hours
    keep = {f"SVCMAP_RETAIN_{tier}": "3650d" for tier in ("MINUTES", "HOURS", "DAYS")}
    base, _ = serve(**shop, **slack_settings(fake_slack), **keep)
    for number, (text, summary) in enumerate(EVERY_QUESTION.items(), start=1):
        body = command_body(text, response_url=fake_slack.response_url())
        assert httpx.post(f"{base}/slack/events", content=body, headers=signed(body)).is_success
        message = fake_slack.wait_for("chat.postMessage", number)[-1]
        assert summary in message.text_of_blocks(), text
        fake_slack.wait_for("files.completeUploadExternal", number)
    assert all(picture.startswith(b"\x89PNG") for picture in fake_slack.uploads.values())
    assert len(fake_slack.uploads) == len(EVERY_QUESTION)
    body = command_body(
        "diff --since 20m --at 2026-05-01T02:30:00Z", response_url=fake_slack.response_url()
    )
    httpx.post(f"{base}/slack/events", content=body, headers=signed(body))
    message = fake_slack.wait_for("chat.postMessage", len(EVERY_QUESTION) + 1)[-1]
    assert "*What changed*" in message.text_of_blocks()
