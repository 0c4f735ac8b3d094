"""Metric data points turned into per-minute values: gauges, rates of sums, means.

- A gauge, or a sum that is not monotonic, is its value.
- A monotonic cumulative sum is a rate per second between consecutive points of one
  series (its attributes); the first point of a series, or one after a reset, gives none.
  `Cumulatives` remembers the last point of each series between exports (bounded).
- A monotonic delta sum is its value over its interval, per second.
- A histogram, exponential histogram or summary is its mean (sum / count), if it has both.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from topology.signals.model import MAX_TIME_NS, MetricExport, MetricPoint, minute_of_ns

GAUGE = "gauge"
SUM = "sum"
DISTRIBUTION = "distribution"
DELTA = 1
CUMULATIVE = 2
SERIES_REMEMBERED = 100_000
"""Cumulative series whose last point `Cumulatives` keeps, the oldest forgotten first."""
TIME_REFUSED = "a metric point's time is missing, before 1970 or past the year 2200"
VALUE_REFUSED = "a metric point's value is not a finite number"

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Sample:
    """One data point as read, before it becomes a value."""

    service: str
    name: str
    kind: str
    """GAUGE, SUM or DISTRIBUTION (histograms and summaries: `value` is sum / count)."""
    monotonic: bool
    temporality: int
    series: object
    """What tells apart the series of one metric (its attributes, hashable)."""
    start_ns: int
    time_ns: int
    value: float


class Cumulatives:
    """The last point of each cumulative series seen, to take rates across exports."""

    def __init__(self, size: int = SERIES_REMEMBERED) -> None:
        self._last: OrderedDict[tuple[str, str, object], tuple[int, int, float]] = OrderedDict()
        self._size = size

    def rate(self, sample: Sample) -> float | None:
        """The rate since the series' previous point, remembering this one; None if none."""
        key = (sample.service, sample.name, sample.series)
        previous = self._last.get(key)
        if previous is not None and previous[1] >= sample.time_ns:
            return None  # a point again, or out of order: nothing new
        self._last[key] = (sample.start_ns, sample.time_ns, sample.value)
        self._last.move_to_end(key)
        if len(self._last) > self._size:
            self._last.popitem(last=False)
        if previous is None:
            return None
        start, time, value = previous
        if sample.value < value or (sample.start_ns and start and sample.start_ns != start):
            return None  # a reset
        return (sample.value - value) * _NS / (sample.time_ns - time)


def reduce(samples: list[Sample], cumulatives: Cumulatives, export: MetricExport) -> None:
    """Add the values of `samples` to `export`; refused and skipped points are counted."""
    ordered = sorted(samples, key=lambda sample: sample.time_ns)
    for sample in ordered:
        if not 0 < sample.time_ns <= MAX_TIME_NS:
            export.refused.add(TIME_REFUSED)
            continue
        if not math.isfinite(sample.value):
            export.refused.add(VALUE_REFUSED)
            continue
        value = _value(sample, cumulatives)
        if value is None or not math.isfinite(value):
            export.skipped += 1
            continue
        minute = minute_of_ns(sample.time_ns)
        export.points.append(MetricPoint(sample.service, sample.name, minute, value))


def _value(sample: Sample, cumulatives: Cumulatives) -> float | None:
    if sample.kind != SUM or not sample.monotonic:
        return sample.value
    if sample.temporality == CUMULATIVE:
        return cumulatives.rate(sample)
    if sample.temporality == DELTA and 0 < sample.start_ns < sample.time_ns:
        return sample.value * _NS / (sample.time_ns - sample.start_ns)
    return None
