"""Read Alertmanager's webhook body (payload version 4) into an `AlertGroup`.

Alertmanager writes a Go zero time (`0001-01-01T00:00:00Z`) as the `endsAt` of a firing
alert; `notification_reason` (v0.32) and `routeLabels` (v0.34) may be absent; unknown
fields are ignored. Every string is bounded, so a hostile body cannot grow the store, and
a NUL in one is replaced (U+FFFD): Postgres keeps no NUL in text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec

from topology.errors import AlertFormatError
from topology.incidents.model import Alert, AlertGroup, AlertStatus

VERSION = "4"
MAX_ALERTS = 10_000
MAX_TEXT = 4_096
MAX_LABELS = 128
_FIRST_YEAR = 1970

Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT)]
Labels = Annotated[dict[str, Text], msgspec.Meta(max_length=MAX_LABELS)]


class _Alert(msgspec.Struct, rename="camel"):
    status: AlertStatus
    starts_at: datetime
    labels: Labels = msgspec.field(default_factory=dict)
    annotations: Labels = msgspec.field(default_factory=dict)
    ends_at: datetime | None = None
    generator_url: Text = msgspec.field(default="", name="generatorURL")
    fingerprint: Text = ""


class _Message(msgspec.Struct, rename="camel"):
    version: str
    group_key: Key
    status: AlertStatus
    alerts: Annotated[list[_Alert], msgspec.Meta(max_length=MAX_ALERTS)]
    receiver: Text = ""
    group_labels: Labels = msgspec.field(default_factory=dict)
    common_labels: Labels = msgspec.field(default_factory=dict)
    common_annotations: Labels = msgspec.field(default_factory=dict)
    external_url: Text = msgspec.field(default="", name="externalURL")
    truncated_alerts: int = 0


_DECODER = msgspec.json.Decoder(_Message)


def parse_webhook(body: bytes) -> AlertGroup:
    """The group a webhook body describes; an AlertFormatError says what is wrong."""
    try:
        message = _DECODER.decode(body)
    except msgspec.ValidationError as error:
        raise AlertFormatError(f"not an Alertmanager webhook: {_short(str(error))}") from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise AlertFormatError("not JSON") from None
    except RecursionError:
        raise AlertFormatError("nested too deeply to be an Alertmanager webhook") from None
    if message.version != VERSION:
        shown = _short(message.version)
        raise AlertFormatError(f"payload version {shown!r}; only version {VERSION} is read")
    if not message.alerts:
        raise AlertFormatError("no alerts in the notification")
    return AlertGroup(
        group_key=_text(message.group_key),
        status=message.status,
        receiver=_text(message.receiver),
        alerts=tuple(_alert(alert) for alert in message.alerts),
        group_labels=_labels(message.group_labels),
        common_labels=_labels(message.common_labels),
        common_annotations=_labels(message.common_annotations),
        external_url=_text(message.external_url),
        truncated=max(0, message.truncated_alerts),
    )


def _alert(alert: _Alert) -> Alert:
    starts = _seconds(alert.starts_at)
    if starts is None:
        raise AlertFormatError("an alert has no startsAt")
    return Alert(
        status=alert.status,
        labels=_labels(alert.labels),
        annotations=_labels(alert.annotations),
        starts_at=starts,
        ends_at=_seconds(alert.ends_at),
        generator_url=_text(alert.generator_url),
        fingerprint=_text(alert.fingerprint),
    )


def _text(text: str) -> str:
    """`text` with no NUL, which Postgres cannot store in text."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _labels(labels: dict[str, str]) -> dict[str, str]:
    return {_text(name): _text(value) for name, value in labels.items()}


def _seconds(moment: datetime | None) -> int | None:
    """Unix seconds, or None for a missing time or Go's zero time."""
    if moment is None or moment.year < _FIRST_YEAR:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 160 else f"{line[:157]}..."  # noqa: PLR2004 - message length
