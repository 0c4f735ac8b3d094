"""What an early warning says: a finding about one series of one service or edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Metric = Literal["latency_ms", "error_pct"]
"""A series: average latency in ms, or the share of requests that failed, in %."""
Kind = Literal["trend", "past", "unseasonal"]
"""Heading for its threshold, past it and still rising, or well above the same hours of
earlier days."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A heads-up about one series."""

    subject: str
    metric: Metric
    kind: Kind
    level: float
    """The series' level now."""
    usual: float
    """Its level at this hour on previous days (or, without them, earlier in the window)."""
    threshold: float
    """Where it alerts."""
    eta_s: int | None
    """Seconds until it crosses `threshold`, for a trend (0 for a rise already past it)."""
