"""Prometheus `le` buckets (seconds, cumulative) mapped onto svcmap's latency buckets.

Prometheus buckets rarely line up with `topology.stats.LATENCY_BOUNDS_MS`. The
cumulative count at each svcmap bound is interpolated linearly inside the Prometheus
bucket that holds it (calls are taken as spread evenly across a bucket, the same
assumption `histogram_quantile` makes; the first bucket starts at 0), rounded, and
consecutive differences give the counts. Where the bounds coincide the mapping is exact.
Calls above the largest finite `le` are known only to be slower than it: they go to the
svcmap bucket just above it, as `histogram_quantile` answers that bound for them.
A cumulative count that dips (increase() extrapolates each series on its own) is
raised to the one before, as `histogram_quantile` does.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right

from topology.stats import HISTOGRAM_SIZE, LATENCY_BOUNDS_MS

_MS = 1_000.0
_BOUNDS_S = tuple(bound / _MS for bound in LATENCY_BOUNDS_MS)


def latency_histogram(buckets: list[tuple[float, float]]) -> list[int]:
    """The svcmap histogram of calls from (le seconds, cumulative count) pairs, +Inf included."""
    finite, total = _cumulative(buckets)
    if total <= 0:
        return [0] * HISTOGRAM_SIZE
    les = [le for le, _ in finite]
    at_bounds = [min(total, _count_below(finite, les, bound, total)) for bound in _BOUNDS_S]
    rounded = [round(count) for count in [*at_bounds, total]]
    return [rounded[0]] + [high - low for low, high in itertools.pairwise(rounded)]


def _cumulative(buckets: list[tuple[float, float]]) -> tuple[list[tuple[float, float]], float]:
    """The finite (le, count) pairs sorted and made monotonic, and the total count."""
    ordered = sorted(
        (le, count if math.isfinite(count) and count > 0 else 0.0)
        for le, count in buckets
        if not math.isnan(le) and le >= 0
    )
    finite: list[tuple[float, float]] = []
    highest = 0.0
    for le, count in ordered:
        highest = max(highest, count)
        if math.isfinite(le):
            finite.append((le, highest))
    return finite, highest


def _count_below(
    finite: list[tuple[float, float]], les: list[float], bound_s: float, total: float
) -> float:
    """The cumulative count at `bound_s` seconds, interpolated between Prometheus bounds.

    `les` are the bounds of `finite`, in order.
    """
    if not finite:
        return total
    index = bisect_right(les, bound_s)
    if index >= len(finite):
        return total if bound_s > finite[-1][0] else finite[-1][1]
    if index > 0 and finite[index - 1][0] == bound_s:
        return finite[index - 1][1]
    low_le, low_count = finite[index - 1] if index > 0 else (0.0, 0.0)
    high_le, high_count = finite[index]
    if high_le <= low_le:
        return high_count
    return low_count + (high_count - low_count) * (bound_s - low_le) / (high_le - low_le)
