"""Health at a glance: each service's calls in, errors and p95 against a baseline window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.picture.style import BAD_RATE, WARN_RATE
from topology.stats import Latency

SLOW_RATIO = 1.5
"""A p95 this many times the baseline's (and `SLOW_FLOOR_MS` above it) is slow."""
SLOW_FLOOR_MS = 5.0
MIN_CALLS = 10
"""Fewer calls into a service than this tell nothing about its latency."""


@dataclass(frozen=True, slots=True)
class Glance:
    """A service's calls in over a window: their errors, p95, the baseline's p95, in words.

    `errors` is "ok", "degraded" or "failing" by the share of failed calls into it (the
    edges' thresholds); `slow` says whether its p95 is well above the baseline's.
    """

    calls: int
    error_rate: float
    p95_ms: float | None
    baseline_p95_ms: float | None
    errors: str
    slow: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return {
            "calls": self.calls,
            "error_rate": self.error_rate,
            "p95_ms": self.p95_ms,
            "baseline_p95_ms": self.baseline_p95_ms,
            "errors": self.errors,
            "slow": self.slow,
        }


def glance(
    graph: ServiceGraph, baseline: ServiceGraph | None, names: Iterable[str]
) -> dict[str, Glance]:
    """The glance of each of `names` on `graph` (by the calls into it), against `baseline`."""
    wanted = set(names)
    now = _calls_in(graph, wanted)
    before = _calls_in(baseline, wanted) if baseline is not None else {}
    found: dict[str, Glance] = {}
    for name in sorted(wanted):
        calls, errors, latency = now.get(name, (0, 0, Latency()))
        rate = errors / calls if calls else 0.0
        p95 = latency.quantile_ms(0.95) if latency.count >= MIN_CALLS else None
        was = before.get(name)
        base = was[2].quantile_ms(0.95) if was is not None and was[2].count >= MIN_CALLS else None
        slow = (
            p95 is not None
            and base is not None
            and p95 >= base * SLOW_RATIO
            and p95 - base >= SLOW_FLOOR_MS
        )
        found[name] = Glance(
            calls=calls,
            error_rate=rate,
            p95_ms=p95,
            baseline_p95_ms=base,
            errors=_error_level(rate, calls),
            slow=slow,
        )
    return found


def _error_level(rate: float, calls: int) -> str:
    if not calls or rate < WARN_RATE:
        return "ok"
    return "failing" if rate >= BAD_RATE else "degraded"


def _calls_in(graph: ServiceGraph, names: set[str]) -> dict[str, tuple[int, int, Latency]]:
    """Calls, errors and latency of the calls into each of `names` (self-calls left out)."""
    found: dict[str, tuple[int, int, Latency]] = {}
    pred = graph.pred
    for name in names:
        if not graph.has(name):
            continue
        calls = errors = count = 0
        sums: list[float] = []
        histograms: list[list[int]] = []
        for parent, edge in pred[name].items():
            if parent != name:
                calls += edge.calls
                errors += edge.errors
                latency = edge.latency
                count += latency.count
                sums.append(latency.sum_ms)
                histograms.append(latency.histogram)
        if not histograms:
            continue
        summed = list(map(sum, zip(*histograms, strict=True)))
        found[name] = (calls, errors, Latency(summed, sum(sums), count))
    return found
