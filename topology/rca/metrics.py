"""The health metrics a series may carry: their families, and how each is read.

Each key is read as an anomaly in the direction that hurts, with a floor under its
spread and a label for the words of the evidence.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Family(enum.Enum):
    """Kinds of health metric, as a symptom names them."""

    LATENCY = "latency"
    ERRORS = "errors"
    TRAFFIC = "traffic"

    @classmethod
    def of(cls, metric: str | None) -> Family | None:
        """The family a symptom's metric name belongs to, if any."""
        if metric is None:
            return None
        name = metric.casefold()
        for family, words in _FAMILY_WORDS.items():
            if any(word in name for word in words):
                return family
        return None


_FAMILY_WORDS = {
    Family.LATENCY: ("latency", "duration", "time"),
    Family.ERRORS: ("availability", "error", "fault"),
    Family.TRAFFIC: ("request", "traffic", "throughput", "rate"),
}


@dataclass(frozen=True, slots=True)
class Metric:
    """How to read one metric key: its family, whether up is bad, its floor and label."""

    key: str
    family: Family
    up_is_bad: bool
    floor: float
    label: str
    unit: str
    relative: bool = True
    """Whether the spread's floor grows with the baseline level (not for a bounded share)."""


METRIC_INFO: Mapping[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "latency_avg_ms",
            Family.LATENCY,
            up_is_bad=True,
            floor=1.0,
            label="average latency",
            unit=" ms",
        ),
        Metric(
            "latency_p50_ms",
            Family.LATENCY,
            up_is_bad=True,
            floor=1.0,
            label="p50 latency",
            unit=" ms",
        ),
        Metric(
            "latency_p90_ms",
            Family.LATENCY,
            up_is_bad=True,
            floor=1.0,
            label="p90 latency",
            unit=" ms",
        ),
        Metric(
            "latency_p95_ms",
            Family.LATENCY,
            up_is_bad=True,
            floor=1.0,
            label="p95 latency",
            unit=" ms",
        ),
        Metric(
            "latency_p99_ms",
            Family.LATENCY,
            up_is_bad=True,
            floor=1.0,
            label="p99 latency",
            unit=" ms",
        ),
        Metric("errors", Family.ERRORS, up_is_bad=True, floor=1.0, label="errors", unit=""),
        Metric(
            "availability_pct",
            Family.ERRORS,
            up_is_bad=False,
            floor=0.1,
            label="availability",
            unit="%",
            relative=False,
        ),
        Metric("requests", Family.TRAFFIC, up_is_bad=False, floor=1.0, label="requests", unit=""),
    )
}
"""Every known metric key, read as an anomaly in the direction that hurts."""
