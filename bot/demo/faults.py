"""Faults injected into the demo shop: failing, slow, slow to reach, or logging exceptions.

A fault of the network shows only on the callers' side of calls; one of exceptions only in
the service's logs. A slowness may ramp: grow by so much each minute from when it was put
in force, as a slow degradation does.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from topology.errors import UsageError

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%?")
_MILLIS = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s)?")
_RAMP = re.compile(r"(\d+(?:\.\d+)?\s*(?:ms|s)?)\s*/\s*min")
MAX_LATENCY_MS = 60_000.0
NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Fault:
    """`service` fails `errors` (0..1) of its requests and takes `latency_ms` longer.

    Calls into it also spend `network_ms` more on the way (its callers see it, it does
    not), and `exceptions` (0..1) of its requests log an ERROR with an exception although
    they are answered as usual.
    """

    service: str
    errors: float = 0.0
    latency_ms: float = 0.0
    network_ms: float = 0.0
    exceptions: float = 0.0
    since: int | None = None
    """When it was put in force (demo time, Unix s)."""
    latency_ms_per_min: float = 0.0
    """How much longer it takes each minute after `since`, on top of `latency_ms`."""

    def latency_at(self, moment_ns: int) -> float:
        """The latency it adds to a request arriving at `moment_ns` (at most 60 s).

        A ramp grows from `since`; without `since` it has not started.
        """
        ramped = 0.0
        if self.latency_ms_per_min and self.since is not None:
            minutes = max(0, moment_ns - self.since * NS) / (60 * NS)
            ramped = self.latency_ms_per_min * minutes
        return min(MAX_LATENCY_MS, self.latency_ms + ramped)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return {
            "service": self.service,
            "errors": self.errors,
            "latency_ms": self.latency_ms,
            "latency_ms_per_min": self.latency_ms_per_min,
            "network_ms": self.network_ms,
            "exceptions": self.exceptions,
            "since": self.since,
        }


def parse_share(text: str) -> float:
    """`30%`, `30` or `0.3%` as a share of requests (0..1); `UsageError` otherwise."""
    found = _PERCENT.fullmatch(text.strip())
    if found is None or float(found.group(1)) > 100:  # noqa: PLR2004 - per cent
        raise UsageError(f"{text!r} is not a percentage; write 30% (0% to 100%)")
    return float(found.group(1)) / 100


def parse_latency(text: str) -> float:
    """`800ms`, `2s` or `800` (milliseconds) as milliseconds; `UsageError` otherwise."""
    found = _MILLIS.fullmatch(text.strip())
    if found is None:
        raise UsageError(f"{text!r} is not a latency; write 800ms or 2s")
    value = float(found.group(1)) * (1000 if found.group(2) == "s" else 1)
    if value > MAX_LATENCY_MS:
        raise UsageError(f"{text!r} is more than the {MAX_LATENCY_MS / 1000:g}s the demo allows")
    return value


def parse_latency_or_ramp(text: str) -> tuple[float, float]:
    """`800ms` as (800, 0); `5ms/min` (a latency growing 5 ms a minute) as (0, 5).

    `UsageError` when it is neither.
    """
    ramp = _RAMP.fullmatch(text.strip())
    try:
        return (parse_latency(text), 0.0) if ramp is None else (0.0, parse_latency(ramp.group(1)))
    except UsageError:
        raise UsageError(
            f"{text!r} is neither a latency nor a ramp; write 800ms, 2s or 5ms/min"
            f" (at most {MAX_LATENCY_MS / 1000:g}s, or {MAX_LATENCY_MS / 1000:g}s/min)"
        ) from None


class FaultBoard:
    """The faults in force, one per service at most, shared by the simulator and the control."""

    def __init__(self, known: frozenset[str]) -> None:
        self._known = known
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()

    def put(self, fault: Fault) -> None:
        """Put `fault` in force, replacing the service's earlier one; unknown services refused."""
        if fault.service not in self._known:
            names = ", ".join(sorted(self._known))
            raise UsageError(f"the demo shop has no {fault.service!r}; it has {names}")
        shares = (fault.errors, fault.exceptions)
        delays = (fault.latency_ms, fault.network_ms, fault.latency_ms_per_min)
        if not all(0 <= s <= 1 for s in shares) or not all(
            0 <= d <= MAX_LATENCY_MS for d in delays
        ):
            raise UsageError(
                "errors and exceptions must be 0% to 100%, delays 0ms to 60s (a ramp 60s/min)"
            )
        with self._lock:
            self._faults[fault.service] = fault

    def clear(self) -> list[Fault]:
        """Heal every service; return the faults that were in force."""
        with self._lock:
            cleared = list(self._faults.values())
            self._faults.clear()
        return cleared

    def current(self) -> dict[str, Fault]:
        """The faults in force now, by service."""
        with self._lock:
            return dict(self._faults)
