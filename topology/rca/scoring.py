"""Robust anomaly scores: how far the incident window strays from the baseline window.

A metric's score is how bad the incident window got in the harmful direction, held for
`PERSISTENCE` consecutive steps, in units of the baseline's robust spread: the median
absolute deviation scaled to a standard deviation, or more when the baseline's own 98th
percentile says its tail is heavy, read from the baseline held for as many steps as the
incident was. An incident measured in fewer steps than that, as sparse calls leave it,
is judged against the baseline's single steps, its lone spikes included, and its score
counts for the share of `PERSISTENCE` it could show: one step cannot show that the
change held, so it takes twice the excess to count as much. The spread has a floor
(a small part of the baseline level, and an absolute minimum per metric), so a flat
baseline neither divides by zero nor turns noise into alarms. A spread read from a few
baseline steps is itself unsure: it is widened as Student's t widens a normal interval
for that many points, so that two quiet minutes before an incident cannot make an idle
service's small rise look like fifty standard deviations. When the baseline runs up to the
incident window, a run of its last steps far off on the harmful side that goes on into
the incident is the incident's own episode begun early, and is left out of it
(`episode_start`): it is no heavy tail of normal time.

Availability is the exception when a series counts its failed and served requests:
failures are events that follow the traffic, and are read as `topology.rca.counts` reads
them (`failure_score`). One failed request in a quiet minute is then chance, as it is,
where a level per minute made it as bad as hundreds failing in a busy one; and a fifth of
a service's requests failing is not hidden by the wobble of its few failures before.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from topology.rca.counts import PERSISTENCE, count_change, usual_minutes
from topology.rca.metrics import METRIC_INFO, Family, Metric
from topology.rca.snapshot import Series, Window

__all__ = [
    "METRIC_INFO",
    "PERSISTENCE",
    "RELATIVE_FLOOR",
    "Family",
    "Metric",
    "MetricScore",
    "Positions",
    "adjoin",
    "episode_start",
    "failure_counts",
    "failure_score",
    "held_worst",
    "may_fail",
    "measured",
    "metric_scores",
    "positions",
    "reach",
    "relevant",
    "robust_score",
    "small_sample",
    "window_score",
    "window_values",
]

AVAILABILITY = "availability_pct"
"""The share of requests answered, read from the failed and served counts when a series has them."""
FAILED = "errors"
SERVED = "requests"
LEAST_RISE = 2
"""Failed requests an incident needs for a rise to count: one where none was expected is chance."""

MAD_TO_SIGMA = 1.4826
"""Scales a median absolute deviation to a standard deviation for normal data."""

TAIL_QUANTILE = 0.98
TAIL_Z = 2.054
"""The 98th percentile of a normal distribution, in standard deviations."""
TAIL_POINTS = 3
"""The tail quantile always leaves at least this many baseline points above it."""

RELATIVE_FLOOR = 0.05
"""The spread is at least this part of the baseline level."""

ADJOINING_S = 60
"""The most a baseline may end before the incident window begins to run up to it: a step."""

EPISODE = 3.0
"""Robust spreads off the baseline level from which its last steps, and the incident's
first, are one episode begun before the window (as `counts.USUAL` leaves minutes out)."""

NORMAL_Z = 1.959964
"""The 97.5th percentile of a normal distribution."""
STUDENT_T = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
"""The 97.5th percentile of Student's t with 1, 2, ... 30 degrees of freedom."""


@dataclass(frozen=True, slots=True)
class MetricScore:
    """One metric's anomaly: its score, the baseline level and the incident's worst value."""

    metric: Metric
    score: float
    baseline: float
    worst: float

    @property
    def excess(self) -> float:
        """How much worse than the baseline level, in the metric's own unit."""
        return self.worst - self.baseline if self.metric.up_is_bad else self.baseline - self.worst

    def describe(self) -> str:
        """The numbers in words, e.g. `p90 latency 4.1x baseline (80 ms vs 19.5 ms)`."""
        m = self.metric
        values = f"{_number(self.worst)}{m.unit} vs {_number(self.baseline)}{m.unit}"
        if m.key == "availability_pct":
            return (
                f"availability down to {_number(self.worst)}% (baseline {_number(self.baseline)}%)"
            )
        if self.baseline > 0 and self.worst > 0:
            ratio = self.worst / self.baseline
            if ratio >= 1:
                return f"{m.label} {_number(ratio)}x baseline ({values})"
            return f"{m.label} down to {_number(ratio * 100)}% of baseline ({values})"
        return f"{m.label} {values} at baseline"


def robust_score(
    baseline: Sequence[float],
    incident: Sequence[float],
    metric: Metric,
    *,
    cutoff: float = 0.0,
    adjoining: bool = False,
) -> MetricScore | None:
    """How far `incident` strays from `baseline` in the harmful direction; None without data.

    With a `cutoff`, a metric that cannot reach it is None too, found out cheaply: most
    metrics of a large map are normal, and their exact score is never shown. When the
    baseline runs up to the incident (`adjoining`), an episode begun in it is left out of it.
    """
    if not baseline or not incident:
        return None
    up = metric.up_is_bad
    if cutoff > 0 and not _may_reach(baseline, incident, metric, cutoff):
        return None
    level = _median(sorted(baseline))
    steps = min(PERSISTENCE, len(incident))
    usual = _before_the_episode(baseline, incident, metric, level, steps) if adjoining else baseline
    if usual is not baseline:
        baseline, level = usual, _median(sorted(usual))
    held = _held(incident, up=up, steps=steps)
    worst = max(held) if up else min(held)
    excess = worst - level if up else level - worst
    widen = small_sample(len(baseline))
    floor = max(RELATIVE_FLOOR * abs(level) if metric.relative else 0.0, metric.floor)
    if cutoff > 0 and not excess / (floor * widen) >= cutoff:
        return None
    spread = MAD_TO_SIGMA * _median(sorted([abs(v - level) for v in baseline]))
    if cutoff > 0 and not excess / (max(spread, floor) * widen) >= cutoff:
        return None
    tail = _tail_spread(_held(baseline, up=up, steps=steps), level, up=up)
    scale = max(spread, tail, floor) * widen
    score = max(0.0, excess / scale) * steps / PERSISTENCE
    if not math.isfinite(score) or score < cutoff:
        return None if cutoff > 0 else MetricScore(metric, 0.0, level, worst)
    return MetricScore(metric, score, level, worst)


def _before_the_episode(
    baseline: Sequence[float], incident: Sequence[float], metric: Metric, level: float, steps: int
) -> Sequence[float]:
    """`baseline` less its last steps when they are the incident's episode begun early.

    A fault that began before the incident window (asked about 20 minutes into it, with a
    15-minute window) leaves its first minutes at the baseline's end. Held there for
    `steps` steps, they would be read as the baseline's own heavy tail, and the fault as
    nothing unusual: those steps (`episode_start`) are left out of the baseline, the
    fault's own minutes not being normal time.
    """
    start = episode_start(baseline, incident, metric, level=level, steps=steps)
    return baseline if start == len(baseline) else baseline[:start]


def episode_start(
    baseline: Sequence[float],
    incident: Sequence[float],
    metric: Metric,
    *,
    level: float | None = None,
    steps: int = PERSISTENCE,
) -> int:
    """Where in `baseline` the incident's episode began, when before it; else its length.

    It began there when the last `steps` or more baseline steps, and the incident's first
    `steps`, are each more than `EPISODE` robust spreads off the baseline's level (its
    median, or `level`) on the harmful side. At most half the baseline is the episode: past
    that the level is the fault's. An episode that ended before the window (a fault that
    flaps) is not this one: it is the baseline's tail.
    """
    whole = len(baseline)
    if whole < 2 * steps or len(incident) < steps:
        return whole
    up = metric.up_is_bad
    level = _median(sorted(baseline)) if level is None else level
    floor = max(RELATIVE_FLOOR * abs(level) if metric.relative else 0.0, metric.floor)
    widen = small_sample(whole)
    if not _off(baseline[-1], level, EPISODE * floor * widen, up=up):
        return whole  # most series stop here, without their spread worked out
    spread = MAD_TO_SIGMA * _median(sorted([abs(v - level) for v in baseline]))
    bar = EPISODE * max(spread, floor) * widen
    if not all(_off(v, level, bar, up=up) for v in incident[:steps]):
        return whole
    start = whole
    while start > whole - whole // 2 and _off(baseline[start - 1], level, bar, up=up):
        start -= 1
    return start if whole - start >= steps else whole


def _off(value: float, level: float, bar: float, *, up: bool) -> bool:
    """Whether `value` is more than `bar` from `level` on the harmful side."""
    return value - level > bar if up else level - value > bar


def small_sample(points: int) -> float:
    """How much wider a spread read from `points` baseline values is taken to be.

    Student's t over the normal distribution at the 97.5th percentile, with one degree
    of freedom less than the points (at least one): 6.5 for two points, 1.4 for six,
    1.04 for sixty. Past the table, the first two terms of its Cornish-Fisher expansion.
    """
    freedom = max(1, points - 1)
    if freedom <= len(STUDENT_T):
        return STUDENT_T[freedom - 1] / NORMAL_Z
    z = NORMAL_Z
    t = z + (z**3 + z) / (4 * freedom) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * freedom**2)
    return t / z


def _may_reach(
    baseline: Sequence[float], incident: Sequence[float], metric: Metric, cutoff: float
) -> bool:
    """Whether the score could reach `cutoff`, judged from extremes alone (no sorting).

    The most the excess can be, over the least the floor can be.
    """
    low = min(baseline)
    most = max(incident) - low if metric.up_is_bad else max(baseline) - min(incident)
    least = metric.floor
    if metric.relative and low >= 0:
        least = max(least, RELATIVE_FLOOR * low)
    return most >= cutoff * least


def reach(
    values: Sequence[float | None], before: range, during: range, metric: Metric, cutoff: float
) -> bool | None:
    """Whether `robust_score` of the values at `before` and `during` may reach `cutoff`.

    Judged as it first judges, on the values as they are: most windows of a large map hold
    no gap and are far from `cutoff`. None, not judged, when a window is empty or holds a
    gap (None cannot be compared); True means neither does.
    """
    baseline = values[before.start : before.stop]
    incident = values[during.start : during.stop]
    if not baseline or not incident:
        return None
    try:
        return _may_reach(
            cast("Sequence[float]", baseline), cast("Sequence[float]", incident), metric, cutoff
        )
    except TypeError:  # a None among them
        return None


def adjoin(baseline: Window, incident: Window) -> bool:
    """Whether the baseline runs up to the incident window, its last step the one before.

    A snapshot may compare with normal time kept elsewhere (another day): its last steps
    are then no episode's start.
    """
    return 0 < incident.start - baseline.end <= ADJOINING_S


class Positions:
    """Where each time axis enters the baseline and the incident window, found once per axis.

    Series of one snapshot mostly share their axis.
    """

    def __init__(self, baseline: Window, incident: Window) -> None:
        self._windows = (baseline, incident)
        self.adjoining = adjoin(baseline, incident)
        """Whether the baseline runs up to the incident window (`adjoin`)."""
        self._found: dict[int, tuple[Sequence[float], tuple[range, range]]] = {}

    def of(self, t: Sequence[float]) -> tuple[range, range]:
        """The positions of `t` in the baseline, and in the incident (one tuple per axis)."""
        found = self._found.get(id(t))
        if found is not None and found[0] is t:
            return found[1]
        steps = (_steps(t, self._windows[0]), _steps(t, self._windows[1]))
        self._found[id(t)] = (t, steps)  # holds `t`, so its id stays its own
        return steps


def relevant(series: Series, family: Family | None) -> tuple[str, ...]:
    """The known metric keys of `series` worth scoring: the family's, when it has any."""
    return _relevant(tuple(series.metrics), family)


@lru_cache(maxsize=256)
def _relevant(keys: tuple[str, ...], family: Family | None) -> tuple[str, ...]:
    """`relevant` by the series' keys: the series of a snapshot mostly carry the same ones."""
    known = tuple(key for key in keys if key in METRIC_INFO)
    return tuple(key for key in known if METRIC_INFO[key].family is family) or known


def metric_scores(
    series: Series,
    baseline: Window,
    incident: Window,
    *,
    keys: Iterable[str] | None = None,
    cutoff: float = 0.0,
    positions: Positions | None = None,
) -> list[MetricScore]:
    """A score for each known metric of `series` (or of `keys`) with values in both windows.

    With a `cutoff`, only the metrics that reach it. `positions` finds the windows in
    `series.t` once for the snapshot.
    """
    before, during = (
        positions.of(series.t)
        if positions is not None
        else (_steps(series.t, baseline), _steps(series.t, incident))
    )
    if not before or not during:
        return []
    adjoining = positions.adjoining if positions is not None else adjoin(baseline, incident)
    scores = []
    for key in series.metrics if keys is None else keys:
        metric = METRIC_INFO.get(key)
        values = series.metrics.get(key)
        if metric is None or values is None or (key == FAILED and _read_per_request(series)):
            continue
        counted = failure_counts(series, before, during) if key == AVAILABILITY else None
        if counted is not None:
            scored = failure_score(*counted, metric, cutoff=cutoff)
        elif cutoff > 0 and reach(values, before, during, metric, cutoff) is False:
            continue
        else:
            scored = robust_score(
                _measured(values, before),
                _measured(values, during),
                metric,
                cutoff=cutoff,
                adjoining=adjoining,
            )
        if scored is not None:
            scores.append(scored)
    return scores


Counted = list[tuple[float, float]]
"""(failed, requests) of each step that measured both."""


def failure_counts(series: Series, before: range, during: range) -> tuple[Counted, Counted] | None:
    """The (failed, requests) steps of `series` in the baseline and the incident.

    None when the series does not count both: its availability is then read as a level.
    """
    failed = series.metrics.get(FAILED)
    served = series.metrics.get(SERVED)
    if failed is None or served is None:
        return None
    return _counted(failed, served, before), _counted(failed, served, during)


def _read_per_request(series: Series) -> bool:
    """Whether the series' failures are read per request, as its availability.

    Then their count a step is not read on its own: it grows with the traffic, and more
    requests failing as often is no failure.
    """
    metrics = series.metrics
    return AVAILABILITY in metrics and SERVED in metrics


def _counted(
    failed: Sequence[float | None], served: Sequence[float | None], steps: range
) -> Counted:
    start, stop = steps.start, steps.stop
    return [
        (f, r)
        for f, r in zip(failed[start:stop], served[start:stop], strict=True)
        if f is not None and r is not None
    ]


def may_fail(series: Series, during: range) -> bool | None:
    """Whether `failure_score` may find a rise in the incident's steps; None: not counted.

    Judged from the incident's failed requests alone, as a large map's many series are.
    """
    failed = series.metrics.get(FAILED)
    if failed is None or SERVED not in series.metrics:
        return None
    return sum(f for f in failed[during.start : during.stop] if f is not None) >= LEAST_RISE


def failure_score(
    before: Counted, during: Counted, metric: Metric, *, cutoff: float = 0.0
) -> MetricScore | None:
    """How unlikely the incident's failed requests are at the baseline's usual rate of failing.

    Failed requests are counted events that follow the traffic, read as `counts` reads
    them: a few failures of a few requests are chance, the same share of many is not,
    where a level of availability per step makes one failure in a quiet minute as bad
    as hundreds in a busy one. The levels shown are the baseline's usual minutes' share of
    requests answered, and the worst the incident's steps held (as `robust_score` shows
    a level). None without requests in either window, or,
    with a `cutoff`, when the failures do not rise that far; a rise needs two failures
    at least, so most services are judged from their incident's sum alone.
    """
    before = [(f, r) for f, r in before if r > 0]
    during = [(f, r) for f, r in during if r > 0]
    if not before or not during:
        return None
    failed = sum(f for f, _ in during)
    if cutoff > 0 and failed < LEAST_RISE:
        return None
    change = count_change(before, during, cutoff)
    score = change.score if change is not None and change.up else 0.0
    if cutoff > 0 and score < cutoff:
        return None
    usual = usual_minutes(before) or before
    baseline = _answered(sum(f for f, _ in usual), sum(r for _, r in usual))
    worst = held_worst([_answered(f, r) for f, r in during], up=False)
    return MetricScore(metric, score, baseline, worst)


def _answered(failed: float, served: float) -> float:
    """The share of requests answered, in percent (within 0 to 100 whatever the counts)."""
    return min(100.0, max(0.0, 100.0 * (1.0 - failed / served)))


def window_score(
    series: Series,
    key: str,
    windows: tuple[Window, Window],
    metric: Metric,
    *,
    cutoff: float = 0.0,
) -> MetricScore | None:
    """The score of `series`' values under `key`, read as `metric`, baseline against incident."""
    values = series.metrics.get(key)
    if values is None:
        return None
    baseline, incident = windows
    before = _measured(values, _steps(series.t, baseline))
    during = _measured(values, _steps(series.t, incident))
    return robust_score(before, during, metric, cutoff=cutoff, adjoining=adjoin(*windows))


def window_values(series: Series, key: str, window: Window) -> Sequence[float]:
    """The measured values of `series` under `key` at the steps inside `window`."""
    values = series.metrics.get(key)
    return [] if values is None else _measured(values, _steps(series.t, window))


def held_worst(values: Sequence[float], *, up: bool) -> float:
    """The worst value `values` held for `PERSISTENCE` steps."""
    held = _held(values, up=up)
    return max(held) if up else min(held)


def _median(ordered: Sequence[float]) -> float:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return ordered[middle - 1] / 2 + ordered[middle] / 2


def _held(values: Sequence[float], *, up: bool, steps: int = PERSISTENCE) -> list[float]:
    """Each run of `steps` steps' least bad value: how bad it stayed, step after step."""
    steps = min(steps, len(values))
    if steps <= 1:
        return list(values)
    return list(map(min if up else max, *(values[i:] for i in range(steps))))


def _tail_spread(held: Sequence[float], level: float, *, up: bool) -> float:
    """The spread the baseline's own harmful tail implies, were it normally distributed.

    Heavy-tailed series (sparse, bursty calls) stray far from their median in normal
    operation; the 98th percentile of what they held for `PERSISTENCE` steps says how far,
    compared like with like with the incident, and a lone spike cannot move it.
    """
    ordered = sorted(held)
    last = len(ordered) - 1
    share = max(0.5, min(TAIL_QUANTILE, 1 - TAIL_POINTS / len(ordered)))
    at = int(share * last)
    excess = ordered[at] - level if up else level - ordered[last - at]
    return max(0.0, excess) / TAIL_Z


def positions(t: Sequence[float], window: Window) -> range:
    """The positions of `t` (in ascending order) that fall in `window`."""
    return _steps(t, window)


def measured(values: Sequence[float | None], steps: range) -> Sequence[float]:
    """The values at `steps` that were measured (not None)."""
    return _measured(values, steps)


def _steps(t: Sequence[float], window: Window) -> range:
    """The positions of `t` (in ascending order) that fall in `window`."""
    return range(bisect.bisect_left(t, window.start), bisect.bisect_right(t, window.end))


def _measured(values: Sequence[float | None], steps: range) -> Sequence[float]:
    part = values[steps.start : steps.stop]
    if None in part:
        return [v for v in part if v is not None]
    return cast("Sequence[float]", part)


def _number(value: float) -> str:
    if abs(value) >= 100:  # noqa: PLR2004 - large numbers read best without decimals
        return f"{value:,.0f}"
    return f"{value:.1f}".removesuffix(".0") if abs(value) >= 1 else f"{value:.2g}"
