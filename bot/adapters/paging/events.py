"""PagerDuty Events API v2: the body of an event, and what an answer says. Pure."""

from __future__ import annotations

import json

from topology.incidents.model import PageAction, PageEvent

SUMMARY_CHARS = 1024
"""PagerDuty truncates a summary longer than this; svcmap cuts it first, with an ellipsis."""

FIELD_CHARS = 255
CLIENT = "svcmap"


def event_body(event: PageEvent) -> dict[str, object]:
    """The JSON object `POST /v2/enqueue` takes for `event`; no payload on a resolve."""
    body: dict[str, object] = {
        "routing_key": event.routing_key,
        "event_action": event.action.value,
        "dedup_key": event.dedup_key,
    }
    if event.action is not PageAction.TRIGGER:
        return body
    payload: dict[str, object] = {
        "summary": _cut(event.summary or event.dedup_key, SUMMARY_CHARS),
        "source": _cut(event.source or CLIENT, FIELD_CHARS),
        "severity": event.severity.value,
    }
    optional = {
        "timestamp": event.timestamp,
        "component": event.component,
        "group": event.group,
        "class": event.klass,
    }
    payload.update({key: _cut(value, FIELD_CHARS) for key, value in optional.items() if value})
    if event.details:
        payload["custom_details"] = dict(event.details)
    body["payload"] = payload
    body["client"] = CLIENT
    if event.links:
        body["links"] = [{"href": link.href, "text": link.text} for link in event.links]
    return body


def accepted_key(body: bytes) -> str | None:
    """The `dedup_key` of a 202 answer, or None when it carries none."""
    document = _json(body)
    key = document.get("dedup_key") if isinstance(document, dict) else None
    return key if isinstance(key, str) and key else None


def refusal(body: bytes) -> str | None:
    """What an error answer says (`message` and `errors`), or None when it is not JSON.

    The status word varies between servers ("invalid event", "invalid"), so it is only shown.
    """
    document = _json(body)
    if not isinstance(document, dict):
        return None
    parts = [document.get("status"), document.get("message")]
    errors = document.get("errors")
    if isinstance(errors, list):
        parts.extend(errors)
    said = [" ".join(str(p).split()) for p in parts if isinstance(p, str) and p.strip()]
    return _cut("; ".join(said), 300) if said else None


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
