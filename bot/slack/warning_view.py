"""The heads-up post of an early warning, and its "Mute for 24h" button's sealed value.

The button's value names the warning (subject and metric) with a seal of the channel and
message it was posted as (`bot.slack.seals`, under its own purpose): a value made up, or
moved to another message, mutes nothing. Values are read strictly.
"""

from __future__ import annotations

import json
from typing import get_args

from bot.render.templating import render_slack
from bot.slack.blocks import section
from bot.slack.incident_view import Message
from bot.slack.seals import SEAL, Sealer
from topology.timespec import format_duration
from topology.warnings.model import Finding, Metric

MUTE_ACTION = "warning_mute"
MUTE_PURPOSE = b"svcmap: the mute button of an early warning"
MUTE_S = 86_400
"""How long the button mutes a warning."""
VALUE_CHARS = 2000
"""The most a button's value holds (Slack's limit)."""
_SERIES = {"latency_ms": "latency", "error_pct": "error share"}


def mute_sealer(signing_secret: str) -> Sealer:
    """The sealer of mute buttons: distinct from the page buttons'."""
    return Sealer(signing_secret, purpose=MUTE_PURPOSE)


def heads_up_message(finding: Finding, team: str | None) -> Message:
    """The heads-up about `finding`, to `team`'s channel; every name escaped."""
    unit = " ms" if finding.metric == "latency_ms" else "%"
    data = {
        "team": team or "",
        "subject": finding.subject,
        "series": _SERIES[finding.metric],
        "kind": finding.kind,
        "level": f"{finding.level:.1f}{unit}",
        "usual": f"{finding.usual:.1f}{unit}",
        "threshold": f"{finding.threshold:.1f}{unit}",
        "crosses_in": format_duration(finding.eta_s or 0),
    }
    text = render_slack("slack/heads_up.md.j2", data).strip()
    return Message([section(text).to_dict()], text.replace("*", ""))


def with_mute_button(message: Message, value: str) -> Message:
    """`message` with its "Mute for 24h" button carrying `value`."""
    button = {
        "type": "button",
        "action_id": MUTE_ACTION,
        "text": {"type": "plain_text", "text": "Mute for 24h"},
        "value": value,
    }
    return Message([*message.blocks, {"type": "actions", "elements": [button]}], message.text)


def mute_value(subject: str, metric: Metric, seal: str) -> str | None:
    """What the mute button carries; None when it would not fit in a button."""
    value = json.dumps({"s": subject, "m": metric, "k": seal}, ensure_ascii=False)
    return value if len(value) <= VALUE_CHARS else None


def read_mute_value(value: object) -> tuple[str, Metric, str] | None:
    """The subject, metric and seal a mute button's value names, or None if it is not one."""
    if not isinstance(value, str) or len(value) > VALUE_CHARS:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"s", "m", "k"}:
        return None
    subject, metric, seal = data["s"], data["m"], data["k"]
    if not isinstance(subject, str) or not subject or metric not in get_args(Metric):
        return None
    if not isinstance(seal, str) or not SEAL.fullmatch(seal):
        return None
    return subject, metric, seal


def sealed_subject(subject: str, metric: Metric) -> str:
    """What a mute seal binds beside the channel and message: the warning's key."""
    return f"{metric}\x1f{subject}"
