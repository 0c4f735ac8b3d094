"""The demo shop's log lines: a steady few per service each minute, and its faults' exceptions.

Every service writes some INFO lines and now and then a WARN, the baseline log templates
are learnt from; a service under an exceptions fault also writes an ERROR line with an
exception for each request it took that path on (answered as usual, so no span shows it).
Pure: the randomness comes in seeded.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.demo.shop import OPERATIONS, SERVICES
from bot.demo.traces import DemoSpan

NS_PER_MINUTE = 60 * 10**9
INFO, WARN, ERROR = "INFO", "WARN", "ERROR"
LINES_PER_MINUTE = 4
"""INFO lines each service writes per minute, give or take one."""
WARN_CHANCE = 0.3
"""The chance a service writes a WARN line in a minute."""

_INFO = (
    "{operation} served in {ms} ms",
    "connection pool: {n} of 20 connections in use",
    "cache refreshed: {n} entries loaded",
)
_WARN = (
    "slow call to {operation}: {ms} ms",
    "retrying {operation} after {n} ms backoff",
)
_EXCEPTIONS = {
    "payment": ("TypeError", "Cannot read properties of undefined (reading 'token') at card {n}"),
    "checkout": ("OrderValidationError", "order {n} has an item without a price"),
    "cart": ("RedisTimeoutError", "HGET cart:{n} timed out after 1000 ms"),
}
_EXCEPTION = ("UnhandledException", "request {n} hit an unexpected state")


@dataclass(frozen=True, slots=True)
class DemoLog:
    """One log line as a service of the shop writes it."""

    service: str
    time_ns: int
    severity: str
    body: str
    trace_id: bytes = b""
    span_id: bytes = b""
    attrs: dict[str, str] = field(default_factory=dict)


def minute_logs(rng: random.Random, minute_ns: int) -> list[DemoLog]:
    """Every service's INFO and WARN lines of the minute starting at `minute_ns`, in time order."""
    lines: list[DemoLog] = []
    for service in SERVICES:
        operations = [op.name for op in OPERATIONS.values() if op.service == service]
        count = LINES_PER_MINUTE + rng.randint(-1, 1)
        chosen = [(INFO, rng.choice(_INFO)) for _ in range(count)]
        if rng.random() < WARN_CHANCE:
            chosen.append((WARN, rng.choice(_WARN)))
        for severity, template in chosen:
            body = template.format(
                operation=rng.choice(operations), ms=rng.randint(1, 400), n=rng.randint(1, 999)
            )
            at = minute_ns + rng.randrange(NS_PER_MINUTE)
            lines.append(DemoLog(service, at, severity, body))
    return sorted(lines, key=lambda line: line.time_ns)


def exception_logs(spans: Iterable[DemoSpan]) -> list[DemoLog]:
    """An ERROR line with its exception for each request served on an exception path."""
    lines = []
    for span in spans:
        if not span.exception:
            continue
        kind, message = _EXCEPTIONS.get(span.service, _EXCEPTION)
        text = message.format(n=int.from_bytes(span.span_id[:2], "big") % 10_000)
        stack = f"{kind}: {text}\n    at {span.name} ({span.service}/handler.js:41:13)"
        lines.append(
            DemoLog(
                service=span.service,
                time_ns=span.end_ns,
                severity=ERROR,
                body=f"{span.name} failed: {kind}: {text}",
                trace_id=span.trace_id,
                span_id=span.span_id,
                attrs={
                    "exception.type": kind,
                    "exception.message": text,
                    "exception.stacktrace": stack,
                },
            )
        )
    return lines
