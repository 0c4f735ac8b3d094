"""The demo's alert rules over the spans it emits, and their Alertmanager v4 webhook payload."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.demo.traces import CONSUMER, NS_PER_MS, SERVER, DemoSpan

ERROR_RATIO = 0.1
"""`HighErrorRate` fires at this share of failed requests in an evaluation."""
LATENCY_FACTOR = 3.0
"""`HighLatency` fires when the p95 is this many times the p95 learnt while healthy."""
LATENCY_FLOOR_MS = 50.0
"""... and at least this much slower, so a tiny service's noise fires nothing."""
MIN_REQUESTS = 10
"""An evaluation judges a service that served at least this many requests..."""
MIN_ERRORS = 5
"""... and at least this many of them failed."""
RECEIVER = "svcmap-demo"
NEVER = "0001-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert of one service, as Alertmanager would deliver it."""

    name: str
    service: str
    summary: str
    starts_at: int
    ends_at: int | None = None

    @property
    def status(self) -> str:
        """`firing`, or `resolved` once it has ended."""
        return "firing" if self.ends_at is None else "resolved"


@dataclass(frozen=True, slots=True)
class Health:
    """What one service served in an evaluation: requests, failures, p95 latency."""

    requests: int
    errors: int
    p95_ms: float


def health(spans: Iterable[DemoSpan]) -> dict[str, Health]:
    """Each service's requests served (server and consumer spans) in `spans`."""
    latencies: defaultdict[str, list[float]] = defaultdict(list)
    errors: defaultdict[str, int] = defaultdict(int)
    for span in spans:
        if span.kind in (SERVER, CONSUMER):
            latencies[span.service].append((span.end_ns - span.start_ns) / NS_PER_MS)
            errors[span.service] += span.error
    found = {}
    for service, values in latencies.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        found[service] = Health(len(values), errors[service], p95)
    return found


class AlertRules:
    """`HighErrorRate` and `HighLatency` per service, remembered from one evaluation to the next."""

    def __init__(self) -> None:
        self._normal_p95: dict[str, float] = {}
        self._firing: dict[tuple[str, str], Alert] = {}

    def learn(self, spans: Iterable[DemoSpan]) -> None:
        """Take each service's p95 in `spans` (healthy traffic) as its normal latency."""
        for service, seen in health(spans).items():
            if seen.requests >= MIN_REQUESTS:
                self._normal_p95[service] = seen.p95_ms

    def evaluate(self, spans: Iterable[DemoSpan], *, at: int) -> list[Alert]:
        """The alerts that start firing or are resolved by the spans of one evaluation.

        An evaluation where a service served fewer than `MIN_REQUESTS` (or none) judges none
        of its alerts, and a firing `HighErrorRate` stays firing while the share failed stays at
        `ERROR_RATIO`, however few failed: a lasting fault on a service called a few times
        a minute keeps its alert firing (as a rule over a longer window would), where it
        used to resolve and fire again whenever an evaluation caught few of its requests.
        """
        breaking: dict[tuple[str, str], str] = {}
        judged: set[str] = set()
        for service, seen in sorted(health(spans).items()):
            if seen.requests < MIN_REQUESTS:
                continue
            judged.add(service)
            ratio = seen.errors / seen.requests
            errors_key = ("HighErrorRate", service)
            if ratio >= ERROR_RATIO and (seen.errors >= MIN_ERRORS or errors_key in self._firing):
                breaking[errors_key] = f"{service}: {ratio:.0%} of {seen.requests} requests failed"
            normal = self._normal_p95.get(service)
            limit = (
                None if normal is None else max(normal * LATENCY_FACTOR, normal + LATENCY_FLOOR_MS)
            )
            if limit is not None and seen.p95_ms > limit:
                breaking[("HighLatency", service)] = (
                    f"{service}: p95 latency {seen.p95_ms:,.0f} ms, normally {normal:,.0f} ms"
                )
        changes = []
        for key, summary in breaking.items():
            if key not in self._firing:
                self._firing[key] = Alert(key[0], key[1], summary, starts_at=at)
                changes.append(self._firing[key])
        ended = [key for key in self._firing if key not in breaking and key[1] in judged]
        for key in ended:
            alert = self._firing.pop(key)
            changes.append(
                Alert(
                    name=alert.name,
                    service=alert.service,
                    summary=alert.summary,
                    starts_at=alert.starts_at,
                    ends_at=at,
                )
            )
        return changes

    def firing(self) -> list[Alert]:
        """The alerts firing now."""
        return list(self._firing.values())


def webhook_payload(alerts: Sequence[Alert], *, external_url: str) -> dict[str, object]:
    """An Alertmanager v4 webhook body for `alerts` of one group (same name and service)."""
    first = alerts[0]
    common = {"alertname": first.name, "namespace": "shop", "service": first.service}
    common["severity"] = "page"
    group = {"alertname": first.name, "service": first.service}
    status = "firing" if any(alert.status == "firing" for alert in alerts) else "resolved"
    items = [
        {
            "status": alert.status,
            "labels": common,
            "annotations": {"summary": alert.summary},
            "startsAt": _rfc3339(alert.starts_at),
            "endsAt": NEVER if alert.ends_at is None else _rfc3339(alert.ends_at),
            "generatorURL": f"{external_url}/?focus={alert.service}",
            "fingerprint": _fingerprint(common),
        }
        for alert in alerts
    ]
    inner = ", ".join(f'{key}="{value}"' for key, value in group.items())
    return {
        "receiver": RECEIVER,
        "status": status,
        "alerts": items,
        "groupLabels": group,
        "commonLabels": common,
        "commonAnnotations": {"summary": first.summary} if len(alerts) == 1 else {},
        "externalURL": external_url,
        "version": "4",
        "groupKey": f'{{}}/{{severity="page"}}:{{{inner}}}',
        "truncatedAlerts": 0,
    }


def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fingerprint(labels: dict[str, str]) -> str:
    text = json.dumps(labels, sort_keys=True).encode()
    return hashlib.sha256(text).hexdigest()[:16]
