"""Slack requests as Slack sends them: recorded bodies with our values, signed with v0 HMAC."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from urllib.parse import parse_qsl, quote, urlencode

from tests.slack.fake_api import API

_TRIGGERS = itertools.count(1)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
"""The signing secret the tests configure (Slack's documented example)."""


def signed(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with `body`: timestamp and `v0=` HMAC-SHA256 signature."""
    moment = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{moment}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": moment,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(text: str, *, response_url: str, user: str = "W111", channel: str = "C111") -> str:
    """The recorded `/hello-world` command body, made `/svcmap TEXT` by `user` in `channel`."""
    recorded = (API / "slack_slash_command_body.form.txt").read_text(encoding="utf-8").strip()
    fields = dict(parse_qsl(recorded))
    fields.update(
        command="/svcmap",
        text=text,
        user_id=user,
        channel_id=channel,
        response_url=response_url,
        trigger_id=f"{next(_TRIGGERS)}.111.{secrets.token_hex(8)}",
    )
    return urlencode(fields)


def action_body(
    action: dict[str, object],
    *,
    response_url: str,
    user: str = "W111",
    channel: str = "C111",
    message_ts: str = "1700000000.000001",
    thread_ts: str | None = None,
) -> str:
    """The recorded block_actions body with one action of ours, pressed on message `ts`
    (in the thread of `thread_ts`, when given)."""
    payload = json.loads((API / "slack_block_actions_payload_workspace.json").read_text())
    payload["user"]["id"] = user
    payload["channel"]["id"] = channel
    payload["container"].update(channel_id=channel, message_ts=message_ts, is_ephemeral=False)
    payload["message"] = {"type": "message", "ts": message_ts, "text": "", "blocks": []}
    if thread_ts is not None:
        payload["message"]["thread_ts"] = thread_ts
    payload["response_url"] = response_url
    payload["actions"] = [{"action_ts": "1700000001.000001", **action}]
    return "payload=" + quote(json.dumps(payload))
