"""Decide whether one series deserves a heads-up: no I/O, no clock (`now` is an argument).

A series is a service's or an edge's latency (average, ms) or error share (%), read in
slices over the last hours, with the same hours' value on each of the previous days. It
is *unseasonal* when its level now is well above what those days showed at that hour, and
*trending* when a robust linear trend (Theil-Sen, whose 95% interval must lie above zero)
reaches its alert threshold within the horizon. The threshold is relative to the season:
`alert_factor` times the usual latency, or the usual error share plus `alert_error_pct`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from scipy.stats import theilslopes

from topology.warnings.model import Finding, Metric


@dataclass(frozen=True, slots=True)
class Rules:
    """When a series is worth a heads-up."""

    alert_factor: float = 2.0
    """A latency alerts at this many times its usual level."""
    alert_error_pct: float = 5.0
    """An error share alerts this many points above its usual level."""
    unseasonal_factor: float = 2.0
    """A latency this many times its usual level at this hour is unseasonal."""
    unseasonal_error_pct: float = 2.0
    """An error share this many points above its usual level at this hour is unseasonal."""
    min_latency_ms: float = 5.0
    """A latency rise smaller than this is never worth a word."""
    horizon_s: int = 7200
    """How far ahead a trend is followed to its threshold."""
    min_points: int = 6
    """Slices with a value needed to fit a trend."""
    level_points: int = 3
    """The last slices whose median is the level now."""
    fit_from: float = 0.5
    """A trend is fitted once the level has come this share of the way to the threshold."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One series of one subject (a service, or an edge `parent->child`)."""

    subject: str
    metric: Metric
    times: tuple[float, ...]
    """The start of each slice, going up."""
    values: tuple[float | None, ...]
    """The value in each slice; None where nothing was measured."""
    history: tuple[float, ...] = ()
    """The value over the same hours on each previous day that measured any."""


def assess(reading: Reading, now: float, rules: Rules = Rules()) -> Finding | None:
    """The heads-up `reading` deserves at `now`, if any: a trend first, else unseasonal."""
    points = [(t, v) for t, v in zip(reading.times, reading.values, strict=True) if v is not None]
    if len(points) < rules.min_points:
        return None
    values = [v for _, v in points]
    level = median(values[-rules.level_points :])
    usual = median(reading.history) if reading.history else median(values[: len(values) // 2])
    threshold = _threshold(reading.metric, usual, rules)
    if level >= threshold:
        return _unseasonal(reading, level, usual, threshold, rules)
    rising = level >= usual + rules.fit_from * (threshold - usual)
    eta = _eta(points, now, threshold) if rising else None
    if eta is not None and eta <= rules.horizon_s:
        return Finding(reading.subject, reading.metric, "trend", level, usual, threshold, eta)
    return _unseasonal(reading, level, usual, threshold, rules)


def _threshold(metric: Metric, usual: float, rules: Rules) -> float:
    if metric == "latency_ms":
        return max(usual * rules.alert_factor, usual + rules.min_latency_ms)
    return min(100.0, usual + rules.alert_error_pct)


def _unseasonal(
    reading: Reading, level: float, usual: float, threshold: float, rules: Rules
) -> Finding | None:
    """A finding when `level` is well above the same hours of earlier days."""
    if not reading.history:
        return None
    if reading.metric == "latency_ms":
        high = max(usual * rules.unseasonal_factor, usual + rules.min_latency_ms)
    else:
        high = usual + rules.unseasonal_error_pct
    if level < high or level <= max(reading.history):
        return None
    return Finding(reading.subject, reading.metric, "unseasonal", level, usual, threshold, None)


def _eta(points: list[tuple[float, float]], now: float, threshold: float) -> int | None:
    """Seconds from `now` until the Theil-Sen line reaches `threshold`; None if it is not rising.

    Rising means the whole 95% interval of the slope is above zero.
    """
    times = [t for t, _ in points]
    values = [v for _, v in points]
    if max(values) == min(values):
        return None
    fit = theilslopes(values, times, alpha=0.95)
    if not (fit.low_slope > 0 and fit.slope > 0):
        return None
    reached = float((threshold - fit.intercept) / fit.slope)
    if not math.isfinite(reached):
        return None
    return max(0, math.ceil(reached - now))
