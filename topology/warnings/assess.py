"""Decide whether one series deserves a heads-up: no I/O, no clock (`now` is an argument).

A series is a service's or an edge's latency (average, ms) or error share (%), read in
slices over the last hours, with the same hours' value on each of the previous days. It
is *unseasonal* when each of its last few slices is well above what those days showed at
that hour (one high slice is noise; a degradation persists), and *trending* when it rises
(Mann-Kendall: Kendall's tau of value against time, one-sided) and a robust linear trend
(the Theil-Sen line) reaches its alert threshold within the horizon. The threshold is
relative to the season: `alert_factor` times the usual latency, or the usual error share
plus `alert_error_pct`. A series is *past* its threshold, still rising, when its level
and its last slice stand at or above it and its last `past_points` (or more) slices are
each higher than every earlier slice of the window. The first slice of such a run may
stay below the threshold: slices seldom start when a degradation does, so the first one
it shows in also holds some of the time before it. Were the slices exchangeable (no
change at all), the last k of n would be the k highest, in rising order, with chance
(n-k)!/n!: that is the rise's p-value, whatever the threshold. A degradation that goes
by the threshold inside one slice, as a fast ramp does, leaves no time to fit a trend
before it, and a service without earlier days cannot be unseasonal; yet a level that
keeps climbing past where this module would alert is worth a word before a bigger alert
rule fires. One high slice is noise; several, each higher, are a degradation.

A series may also carry its minutes: its latest slices read minute by minute. A ramp that
passes the threshold within a slice shows in its minutes first, so the rise past the
threshold is also judged on them, by the same rule: the level (the median of the last
`level_points` minutes) at or past the threshold, and the last `past_points` (or more)
minutes each higher than every earlier one, with the chance of that run among the
minutes as its p-value.

A pass tests thousands of series at once, so a test at a fixed level would flag some of
them by chance every pass. The rises of one pass are kept under a false discovery rate
(Benjamini-Hochberg over every series with enough slices): `assess_all` judges a pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

from scipy.stats import kendalltau, theilslopes

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
    past_points: int = 2
    """The last slices that must each be higher than all before them for a rise past it."""
    false_discovery: float = 0.05
    """The share of a pass's trends that may rise by chance (Benjamini-Hochberg)."""


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
    minutes: tuple[float | None, ...] = ()
    """The value in each minute of the latest slices, going up (empty: not read)."""


@dataclass(frozen=True, slots=True)
class _Judged:
    """One series judged alone: its trend if its rise holds up, else what it is."""

    trend: Finding | None
    p_value: float
    """How likely a rise this steady is by chance (1.0 when no trend was fitted)."""
    otherwise: Finding | None


def assess(reading: Reading, now: float, rules: Rules = Rules()) -> Finding | None:
    """The heads-up `reading` deserves at `now`, if any, judged as a pass of one series."""
    return assess_all((reading,), now, rules)[0]


def assess_all(
    readings: Iterable[Reading], now: float, rules: Rules = Rules()
) -> list[Finding | None]:
    """The heads-up each of `readings` deserves at `now` (None: none), in their order.

    A trend (or a rise past the threshold) first, else unseasonal. The rises kept are those
    that pass the Benjamini-Hochberg procedure at `rules.false_discovery` over every series
    with enough slices to be tested.
    """
    judged = [_judge(reading, now, rules) for reading in readings]
    tested = sum(1 for one in judged if one is not None)
    cut = _bh_cut([one.p_value for one in judged if one is not None], tested, rules)
    found: list[Finding | None] = []
    for one in judged:
        if one is None:
            found.append(None)
        elif one.trend is not None and one.p_value <= cut:
            found.append(one.trend)
        else:
            found.append(one.otherwise)
    return found


def _bh_cut(p_values: Sequence[float], tested: int, rules: Rules) -> float:
    """The largest p-value kept: the Benjamini-Hochberg step-up cut (-1 when none is)."""
    cut = -1.0
    for rank, p_value in enumerate(sorted(p_values), start=1):
        if p_value <= rank / tested * rules.false_discovery:
            cut = p_value
    return cut


def _judge(reading: Reading, now: float, rules: Rules) -> _Judged | None:
    """`reading` alone: None when too few slices were measured to say anything."""
    points = [(t, v) for t, v in zip(reading.times, reading.values, strict=True) if v is not None]
    if len(points) < rules.min_points:
        return None
    values = [v for _, v in points]
    level = median(values[-rules.level_points :])
    usual = median(reading.history) if reading.history else median(values[: len(values) // 2])
    threshold = _threshold(reading.metric, usual, rules)
    recent = values[-rules.level_points :]
    otherwise = _unseasonal(
        reading, recent, level=level, usual=usual, threshold=threshold, rules=rules
    )
    minutes = [v for v in reading.minutes if v is not None]
    if len(minutes) >= rules.min_points and median(minutes[-rules.level_points :]) >= threshold:
        by_minute = _past(
            reading,
            minutes,
            threshold=threshold,
            usual=usual,
            otherwise=otherwise,
            rules=rules,
        )
        if by_minute.trend is not None and level < threshold:
            return by_minute
    else:
        by_minute = _Judged(None, 1.0, otherwise)
    if level >= threshold:
        by_slice = _past(
            reading,
            values,
            threshold=threshold,
            usual=usual,
            otherwise=otherwise,
            rules=rules,
        )
        return by_slice if by_slice.trend is not None else by_minute
    if level < usual + rules.fit_from * (threshold - usual):
        return _Judged(None, 1.0, otherwise)
    fitted = _eta(points, now, threshold)
    if fitted is None or fitted[0] > rules.horizon_s:
        return _Judged(None, 1.0, otherwise)
    eta, p_value = fitted
    trend = Finding(
        subject=reading.subject,
        metric=reading.metric,
        kind="trend",
        level=level,
        usual=usual,
        threshold=threshold,
        eta_s=eta,
    )
    return _Judged(trend, p_value, otherwise)


def _past(
    reading: Reading,
    values: Sequence[float],
    *,
    threshold: float,
    usual: float,
    otherwise: Finding | None,
    rules: Rules,
) -> _Judged:
    """`values` (slices or minutes) at or past the threshold: a rise past it if they still rise.

    The level is the median of the last `rules.level_points` of `values`.
    """
    level = median(values[-rules.level_points :])
    run = _rising_run(values, threshold)
    if run < rules.past_points:
        return _Judged(None, 1.0, otherwise)
    p_value = math.perm(len(values), run) ** -1.0
    past = Finding(
        subject=reading.subject,
        metric=reading.metric,
        kind="past",
        level=level,
        usual=usual,
        threshold=threshold,
        eta_s=0,
    )
    return _Judged(past, p_value, otherwise)


def _rising_run(values: Sequence[float], threshold: float) -> int:
    """The run of last `values` each above all before it; 0 when the last is below `threshold`.

    Only the last must stand at or past the threshold: a slice seldom
    starts when a degradation does, so the first slice of a rise holds some of the time
    before it and may stay below.
    """
    if not values or values[-1] < threshold:
        return 0
    run = 0
    for i in range(len(values) - 1, -1, -1):
        if i and values[i] <= max(values[:i]):
            break
        run += 1
    return run


def _threshold(metric: Metric, usual: float, rules: Rules) -> float:
    if metric == "latency_ms":
        return max(usual * rules.alert_factor, usual + rules.min_latency_ms)
    return min(100.0, usual + rules.alert_error_pct)


def _unseasonal(
    reading: Reading,
    recent: Sequence[float],
    *,
    level: float,
    usual: float,
    threshold: float,
    rules: Rules,
) -> Finding | None:
    """A finding when each of the `recent` values is well above the same hours of earlier days."""
    if not reading.history:
        return None
    if reading.metric == "latency_ms":
        high = max(usual * rules.unseasonal_factor, usual + rules.min_latency_ms)
    else:
        high = usual + rules.unseasonal_error_pct
    bar = max(high, math.nextafter(max(reading.history), math.inf))
    if min(recent) < bar:
        return None
    return Finding(
        subject=reading.subject,
        metric=reading.metric,
        kind="unseasonal",
        level=level,
        usual=usual,
        threshold=threshold,
        eta_s=None,
    )


def _eta(
    points: list[tuple[float, float]], now: float, threshold: float
) -> tuple[int, float] | None:
    """Seconds from `now` until the Theil-Sen line reaches `threshold`, and its rise's p-value.

    The p-value is Kendall's tau's, one-sided; None if the line is not rising.
    """
    times = [t for t, _ in points]
    values = [v for _, v in points]
    if max(values) == min(values):
        return None
    fit = theilslopes(values, times)
    if not fit.slope > 0:
        return None
    reached = float(threshold - fit.intercept) / float(fit.slope)
    if not math.isfinite(reached):
        return None
    p_value = float(kendalltau(times, values, alternative="greater").pvalue)
    if not math.isfinite(p_value):
        return None
    return max(0, math.ceil(reached - now)), p_value
