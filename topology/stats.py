"""Per-bucket statistics of an edge or a service, and how they add up."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from topology.model import NodeKind

LATENCY_BOUNDS_MS: tuple[float, ...] = (
    1,
    2,
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    30_000,
    60_000,
)
"""Upper bounds of the latency histogram buckets; one more bucket holds the rest."""

HISTOGRAM_SIZE = len(LATENCY_BOUNDS_MS) + 1
HISTOGRAM_VALUES: tuple[str, ...] = tuple(f"h{index}" for index in range(HISTOGRAM_SIZE))
"""The names of a bucket's histogram counts, one per bucket, as the store's columns."""


def bucket_index(latency_ms: float) -> int:
    """Return the histogram bucket a latency falls into."""
    for index, bound in enumerate(LATENCY_BOUNDS_MS):
        if latency_ms <= bound:
            return index
    return len(LATENCY_BOUNDS_MS)


def quantile(histogram: tuple[int, ...] | list[int], q: float) -> float | None:
    """Estimate the q-quantile (0..1) in ms, interpolating inside the bucket it falls in."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            lower = LATENCY_BOUNDS_MS[index - 1] if index > 0 else 0.0
            if index >= len(LATENCY_BOUNDS_MS):
                return float(lower)
            upper = LATENCY_BOUNDS_MS[index]
            return float(lower + (upper - lower) * (rank - seen) / count)
        seen += count
    return float(LATENCY_BOUNDS_MS[-1])


EdgeTiming = tuple[int, int, float, int, float, int, float, int]
"""One edge bucket's start, calls, latency sum (ms) and count, and the same of its client
and of its server side: what telling the time between the sides needs."""
TIMING_VALUES: tuple[str, ...] = (
    "calls",
    "lat_sum_ms",
    "lat_count",
    "client_sum_ms",
    "client_count",
    "server_sum_ms",
    "server_count",
)
"""The names of an `EdgeTiming`'s values after its start, as the store's columns."""


def quantiles(histogram: Sequence[int], qs: Sequence[float]) -> list[float | None]:
    """`quantile` of each of `qs` (each above 0), from one pass over the histogram."""
    cumulative = list(accumulate(histogram))
    total = cumulative[-1] if cumulative else 0
    if total == 0:
        return [None] * len(qs)
    found: list[float | None] = []
    last = len(LATENCY_BOUNDS_MS)
    for q in qs:
        rank = q * total
        # The first bucket whose cumulative count reaches the rank holds a call (rank > 0).
        index = bisect_left(cumulative, rank)
        if index >= len(cumulative):
            found.append(float(LATENCY_BOUNDS_MS[-1]))
            continue
        lower = LATENCY_BOUNDS_MS[index - 1] if index > 0 else 0.0
        if index >= last:
            found.append(float(lower))
            continue
        seen = cumulative[index - 1] if index > 0 else 0
        count = histogram[index]
        upper = LATENCY_BOUNDS_MS[index]
        found.append(float(lower + (upper - lower) * (rank - seen) / count))
    return found


@dataclass(slots=True)
class Latency:
    """A latency distribution: histogram, sum and count, in milliseconds."""

    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_SIZE)
    sum_ms: float = 0.0
    count: int = 0

    def add(self, latency_ms: float) -> None:
        """Count one observation."""
        self.histogram[bucket_index(latency_ms)] += 1
        self.sum_ms += latency_ms
        self.count += 1

    def merge(self, other: Latency) -> None:
        """Add another distribution into this one."""
        for index, count in enumerate(other.histogram):
            self.histogram[index] += count
        self.sum_ms += other.sum_ms
        self.count += other.count

    @property
    def avg_ms(self) -> float | None:
        """Mean latency, or None when nothing was measured."""
        return self.sum_ms / self.count if self.count else None

    def quantile_ms(self, q: float) -> float | None:
        """Estimated q-quantile in ms, or None when nothing was measured."""
        return quantile(self.histogram, q)


@dataclass(slots=True)
class EdgeStats:
    """Calls along `parent -> child` in some span of time.

    `latency` is the best latency known per call (the callee's server span when the
    call was paired, else the caller's client span); `client` and `server` keep the
    two sides apart so the time spent between them can be told.
    """

    parent: str
    child: str
    calls: int = 0
    errors: int = 0
    latency: Latency = field(default_factory=Latency)
    client: Latency = field(default_factory=Latency)
    server: Latency = field(default_factory=Latency)
    child_kind: NodeKind | None = None

    @property
    def error_rate(self) -> float:
        """Errors per call, 0 when there were no calls."""
        return self.errors / self.calls if self.calls else 0.0

    def merge(self, other: EdgeStats) -> None:
        """Add another span of time's statistics of the same edge into this one."""
        self.calls += other.calls
        self.errors += other.errors
        self.latency.merge(other.latency)
        self.client.merge(other.client)
        self.server.merge(other.server)
        self.child_kind = self.child_kind or other.child_kind


@dataclass(slots=True)
class ServiceStats:
    """Requests a service served (its server and consumer spans) in some span of time."""

    service: str
    requests: int = 0
    errors: int = 0
    latency: Latency = field(default_factory=Latency)

    def merge(self, other: ServiceStats) -> None:
        """Add another span of time's statistics of the same service into this one."""
        self.requests += other.requests
        self.errors += other.errors
        self.latency.merge(other.latency)


@dataclass(frozen=True, slots=True)
class Node:
    """A node of the map: an instrumented service, or a virtual peer seen only by callers."""

    name: str
    kind: NodeKind = NodeKind.SERVICE
    virtual: bool = False
