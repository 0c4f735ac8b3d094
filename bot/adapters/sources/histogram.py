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

import functools
import itertools
import math
from bisect import bisect_right

from topology.stats import HISTOGRAM_SIZE, LATENCY_BOUNDS_MS

_MS = 1_000.0
MAX_COUNT = 2**53
"""The largest count a double holds exactly; a larger one is not a count of calls."""
_BOUNDS_S = tuple(bound / _MS for bound in LATENCY_BOUNDS_MS)


def latency_histogram(buckets: list[tuple[float, float]]) -> list[int]:
    """The svcmap histogram of calls from (le seconds, cumulative count) pairs, +Inf included."""
    finite, total = _cumulative(buckets)
    if not 0 < total <= MAX_COUNT:  # none, or too many to be calls (NaN too)
        return [0] * HISTOGRAM_SIZE
    counts = [count for _, count in finite]
    at_bounds = [
        min(total, _count_at(step, counts, total)) for step in _plan(tuple(le for le, _ in finite))
    ]
    rounded = [round(count) for count in [*at_bounds, total]]
    return [rounded[0]] + [high - low for low, high in itertools.pairwise(rounded)]


Step = tuple[int, int, float, float]
"""How `_count_at` reads the count at one svcmap bound: `(low, high, above, width)`.

Interpolated between the counts at indexes `low` (-1: none, a count of 0) and `high`,
`above` seconds past the lower bound of a bucket `width` seconds wide; or, with `high`
set to `_TOTAL`, the total count; or, set to `_AT`, the count at index `low` itself.
"""
_TOTAL = -1
_AT = -2


@functools.lru_cache(maxsize=64)
def _plan(les: tuple[float, ...]) -> tuple[Step, ...]:
    """Per svcmap bound, where its cumulative count lies among Prometheus bounds `les`.

    Every edge of a service graph shares one set of bounds: the search is made once.
    """
    steps: list[Step] = []
    for bound_s in _BOUNDS_S:
        index = bisect_right(les, bound_s)
        if not les or (index == len(les) and bound_s > les[-1]):
            steps.append((-1, _TOTAL, 0.0, 0.0))
        elif index == len(les) or (index > 0 and les[index - 1] == bound_s):
            steps.append((index - 1, _AT, 0.0, 0.0))
        else:
            low_le = les[index - 1] if index > 0 else 0.0
            high_le = les[index]
            if high_le <= low_le:
                steps.append((index, _AT, 0.0, 0.0))
            else:
                steps.append((index - 1, index, bound_s - low_le, high_le - low_le))
    return tuple(steps)


def _count_at(step: Step, counts: list[float], total: float) -> float:
    """The cumulative count at one svcmap bound, read as `step` says."""
    low, high, above, width = step
    if high == _AT:
        return counts[low]
    if high == _TOTAL:
        return total
    low_count = counts[low] if low >= 0 else 0.0
    return low_count + (counts[high] - low_count) * above / width


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
