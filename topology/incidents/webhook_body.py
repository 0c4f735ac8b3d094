"""An `AlertGroup` written back as Alertmanager's webhook body (payload version 4).

`parse_webhook` reads what this writes into the same group: a notification can be kept
(the alert outbox) as the group svcmap made of it, redacted, rather than as it came.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from topology.incidents.model import Alert, AlertGroup

GO_ZERO_TIME = "0001-01-01T00:00:00Z"
"""What Alertmanager writes as the end of an alert still firing."""


def webhook_body(group: AlertGroup) -> bytes:
    """`group` as the webhook body Alertmanager would have sent for it."""
    document = {
        "version": "4",
        "groupKey": group.group_key,
        "truncatedAlerts": group.truncated,
        "status": group.status.value,
        "receiver": group.receiver,
        "groupLabels": dict(group.group_labels),
        "commonLabels": dict(group.common_labels),
        "commonAnnotations": dict(group.common_annotations),
        "externalURL": group.external_url,
        "alerts": [_alert(alert) for alert in group.alerts],
    }
    return json.dumps(document, ensure_ascii=False).encode()


def _alert(alert: Alert) -> dict[str, object]:
    return {
        "status": alert.status.value,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": _time(alert.starts_at),
        "endsAt": GO_ZERO_TIME if alert.ends_at is None else _time(alert.ends_at),
        "generatorURL": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }


def _time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
