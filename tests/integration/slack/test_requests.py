"""What reaches `/slack/events` that Slack did not send, or sent oddly, is refused or answered
clearly; nothing is posted for it and nothing breaks."""

import json
import logging
import time
from urllib.parse import quote

import pytest

from tests.integration.slack.conftest import Slack
from tests.slack.requests import SECRET, command_body, signed


def answered(slack: Slack) -> list[str]:
    """The Slack calls made to answer, leaving out Bolt's check of its own token."""
    return [method for method in slack.fake.methods() if method != "auth.test"]


def post(slack: Slack, body: str | bytes, headers: dict[str, str]) -> int:
    return slack.web.post("/slack/events", content=body, headers=headers).status_code


def test_an_unsigned_request_is_refused(slack: Slack) -> None:
    body = command_body("blast payment", response_url=slack.fake.response_url())
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(slack, body, headers) == 401
    slack.settle()
    assert answered(slack) == []


def test_a_request_signed_with_another_secret_is_refused(slack: Slack) -> None:
    body = command_body("blast payment", response_url=slack.fake.response_url())
    assert post(slack, body, signed(body, secret="not-the-secret")) == 401
    slack.settle()
    assert answered(slack) == []


def test_a_request_whose_body_was_changed_after_signing_is_refused(slack: Slack) -> None:
    body = command_body("blast payment", response_url=slack.fake.response_url())
    headers = signed(body)
    assert post(slack, body.replace("payment", "checkout"), headers) == 401


def test_a_request_signed_ten_minutes_ago_is_refused(slack: Slack) -> None:
    body = command_body("blast payment", response_url=slack.fake.response_url())
    assert post(slack, body, signed(body, timestamp=int(time.time()) - 600)) == 401
    slack.settle()
    assert answered(slack) == []


def test_a_replayed_request_is_refused_and_answered_once(slack: Slack) -> None:
    body = command_body("blast payment", response_url=slack.fake.response_url())
    headers = signed(body)
    assert post(slack, body, headers) == 200
    assert post(slack, body, headers) == 401
    slack.settle()
    assert len(slack.fake.of("chat.postMessage")) == 1


def test_a_body_too_large_for_slack_is_refused(slack: Slack) -> None:
    body = "text=" + "x" * (1024 * 1024 + 1)
    assert post(slack, body, signed(body)) == 413


def test_a_body_that_is_not_utf8_is_refused(slack: Slack) -> None:
    body = b"text=\xff\xfe"
    headers = signed("x")
    assert post(slack, body, headers) == 400


@pytest.mark.parametrize(
    "body",
    [
        "payload=not-json",
        "payload=" + quote("[1, 2]"),
        "payload=" + quote(json.dumps({"type": "block_actions", "actions": "nope"})),
        "command=%2Fsvcmap",
        "",
    ],
)
def test_a_malformed_payload_is_refused_without_crashing(slack: Slack, body: str) -> None:
    assert post(slack, body, signed(body)) in (200, 400, 404)
    slack.settle()
    assert answered(slack) == []


def test_a_command_without_user_or_channel_is_acknowledged_and_ignored(slack: Slack) -> None:
    body = "command=%2Fsvcmap&text=blast+payment"
    assert post(slack, body, signed(body)) == 200
    slack.settle()
    assert answered(slack) == []


def test_an_unknown_slash_command_is_not_answered(slack: Slack) -> None:
    body = command_body("x", response_url=slack.fake.response_url()).replace(
        "%2Fsvcmap", "%2Fother"
    )
    assert post(slack, body, signed(body)) == 404
    slack.settle()
    assert answered(slack) == []


def test_secrets_never_reach_the_logs(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # svcmap's level; DEBUG shows the libraries' wire traces
    slack.fake.fail[("chat.postMessage", "*")] = "not_in_channel"
    body = command_body("blast payment", response_url=slack.fake.response_url())
    post(slack, body, signed(body))
    post(slack, "payload=bad", signed("payload=bad"))
    post(slack, body, signed(body, secret="wrong"))
    slack.settle()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "cannot post the answer" in logged
    for secret in (SECRET, "xoxb-test-token", "verification_token", "hooks/1"):
        assert secret not in logged
