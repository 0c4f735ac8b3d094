"""Evidence from logs: levels and templates whose rate per request left the baseline's.

A log line's count follows the traffic, so each level and template is read as a rate per
request the service served (per minute, for a service with no traced requests), pooled
over the baseline's usual minutes; that rate times the incident's requests is what the
incident should have logged. An hour's baseline can hold earlier episodes of the same
fault (one that flaps, or comes back): a few minutes that logged far from the usual rate.
So the usual rate is found in two steps. A first estimate comes from the middle half of
the minutes, ordered by rate per request (a quarter left out at each end: the
interquartile mean). Then each minute's distance from it is read on the square-root scale
on which a Poisson count's spread is a half whatever its size (Anscombe's), and every
minute more than `USUAL` spreads off is left out: the spread is the larger of a Poisson
count's and the median distance's (as the standard deviation of a normal with that median
absolute deviation). The rest, the usual minutes, give the rate and the spread. A line
logged now and then is not cut away by the first step: its minutes of one line are usual
against the first estimate and come back in the second.
The score is how unlikely what it did log is for a Poisson
count over-dispersed as much as the baseline's minutes were around their own expected
counts, told in the robust scores' units: the standard deviations of a Laplace
distribution (the heavy tail they allow for) with the same tail probability. Minutes in
which the service served nothing say nothing of its logs and are left out. Warning and
error levels count when they rise; a template when it appears, vanishes or jumps, in
most of the incident's minutes. The many series of a large map are first screened
together with array arithmetic (`topology.rca.log_screen`), which rules out only series
this reading finds unchanged.
"""

from __future__ import annotations

import bisect
import math
import re
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import cast

from topology.rca.evidence import Evidence, Kind, number
from topology.rca.scoring import PERSISTENCE
from topology.rca.snapshot import Series, Snapshot, Window
from topology.rca.tails import laplace_score, log_tail

LEVEL_KEY = "level:"
TEMPLATE_KEY = "template:"
BAD_LEVELS = frozenset({"WARN", "WARNING", "ERROR", "SEVERE", "FATAL", "CRITICAL"})
"""Log levels whose rise is evidence of a fault."""
TEMPLATE_SHOWN = 90
"""Characters of a template's text shown in evidence, at most (`shown_template`)."""
SHOWN_END = 33
"""Of those, the characters of a long template's end: where a line tells what happened."""
_ID_FIELD = re.compile(
    # The label: id, trace_id, order-id, spanId, TraceID; not paid or valid.
    r"(?<!\S)(?:[\w.-]*(?:[_.-][iI][dD]|[a-z](?:Id|ID)|[A-Z]ID)|[iI][dD])"
    r"[:=] ?<(?:ID|UUID|HEX|NUM|\*)>(?:\s+|$)"
)
"""An id labelled as one, its value masked ("TraceID: <ID>"): noise in a template shown."""
PRIOR_LINES = 0.5
"""Lines added to a baseline's count: a silent baseline does not make a line impossible."""
TRIMMED = 0.25
"""The share of the baseline's minutes left out at each end of rate for the first estimate
of its usual rate: up to a quarter of the hour may be earlier episodes of the fault."""
USUAL = 3.0
"""Spreads off the first estimate from which a baseline minute is not usual."""
ANSCOMBE = 0.375
"""Added before the square root, so that a Poisson count's is nearly normal, spread 1/2."""
POISSON_SPREAD = 0.5
"""A Poisson count's standard deviation on that scale: the least spread a minute is given."""
MAD_SCALE = 1.4826
"""A normal distribution's standard deviation per unit of its median absolute deviation."""


@dataclass(frozen=True, slots=True)
class CountChange:
    """How a count moved: its score, and the per-minute counts expected and seen."""

    score: float
    expected: float
    seen: float
    up: bool
    earlier: int = 0
    """Baseline minutes left out as unusual on the side of the change: earlier episodes."""


SCREENED_FROM = 1500
"""Log series from which they are screened together first (`topology.rca.log_screen`).

Fewer are read one by one in less time than loading the array library takes (about 50 µs
a series against 70-100 ms).
"""


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which of a service's log series, by their keys in order, count as evidence."""

    at: tuple[int, ...]
    keys: tuple[str, ...]
    levels: tuple[str | None, ...]
    rises_only: tuple[bool, ...]
    """Per counted series: whether only a rise counts (a level) or a fall too (a template)."""


@dataclass(frozen=True, slots=True)
class _Read:
    """A service's log series that count as evidence: keys, levels (None: a template), counts."""

    name: str
    logged: Series
    plan: _Plan
    counts: list[tuple[float | None, ...]]


def log_evidence(
    snapshot: Snapshot, names: Collection[str], threshold: float
) -> dict[str, list[Evidence]]:
    """Per service of `names` with logs: its levels and templates far off their baseline."""
    read: list[_Read] = []
    for name in names:
        logged = snapshot.logs.get(name)
        if logged is None:
            continue
        plan = _plan(tuple(logged.metrics))
        values = tuple(logged.metrics.values())
        counts = [values[i] for i in plan.at]
        read.append(_Read(name, logged, plan, counts))
    found: dict[str, list[Evidence]] = {}
    for service, could in zip(read, _screened(snapshot, read, threshold), strict=True):
        if not any(could):
            continue
        minutes = Minutes.of(service.logged.t, snapshot.series.get(service.name), snapshot)
        if minutes is None:
            continue
        items = []
        for i in (i for i, may in enumerate(could) if may):
            key, level = service.plan.keys[i], service.plan.levels[i]
            change = minutes.change(service.counts[i], threshold)
            if change is None or change.score < threshold or (level and not change.up):
                continue
            items.append(Evidence(Kind.LOGS, change.score, _told(key, level, change), True))
        if items:
            found[service.name] = items
    return found


def _screened(snapshot: Snapshot, read: Sequence[_Read], threshold: float) -> list[list[bool]]:
    """Per service, per series: whether it may be a change (all, when there are few)."""
    if sum(len(service.counts) for service in read) < SCREENED_FROM:
        return [[True] * len(service.counts) for service in read]
    from topology.rca.log_screen import Logged, could_change  # noqa: PLC0415 - loads numpy

    logged = [
        Logged(
            service.logged.t,
            _requests_as_kept(service.logged.t, snapshot.series.get(service.name)),
            service.counts,
            service.plan.rises_only,
        )
        for service in read
    ]
    return could_change(logged, snapshot.baseline, snapshot.incident, threshold)


@lru_cache(maxsize=1024)
def _plan(keys: tuple[str, ...]) -> _Plan:
    """The series of these keys that count, with their levels: services share their keys."""
    at = [i for i, key in enumerate(keys) if _reading(key)[0]]
    levels = tuple(_reading(keys[i])[1] for i in at)
    return _Plan(
        tuple(at), tuple(keys[i] for i in at), levels, tuple(level is not None for level in levels)
    )


@lru_cache(maxsize=4096)
def _reading(key: str) -> tuple[bool, str | None]:
    """Whether a log series counts as evidence, and its level (None for a template)."""
    if key.startswith(LEVEL_KEY):
        level = key.removeprefix(LEVEL_KEY).upper()
        return level in BAD_LEVELS, level
    return key.startswith(TEMPLATE_KEY), None


@dataclass(frozen=True, slots=True)
class Minutes:
    """The minutes of a service's log series in which it served something, per window."""

    before: Sequence[int]
    during: Sequence[int]
    requests: Sequence[float]

    @classmethod
    def of(cls, t: Sequence[float], served: Series | None, snapshot: Snapshot) -> Minutes | None:
        """The minutes of `t` in the baseline and incident with requests served; None if none."""
        requests = _requests(t, served)
        before = _served(t, requests, snapshot.baseline)
        during = _served(t, requests, snapshot.incident)
        if not before or not during:
            return None
        return cls(before, during, requests)

    def change(self, counts: Sequence[float | None], cutoff: float) -> CountChange | None:
        """How far the incident's counts are from the baseline's usual rate per request."""
        requests = self.requests
        before = [(c, requests[i]) for i in self.before if (c := counts[i]) is not None]
        during = [(c, requests[i]) for i in self.during if (c := counts[i]) is not None]
        return count_change(before, during, cutoff)


def count_change(
    before: Sequence[tuple[float, float]], during: Sequence[tuple[float, float]], cutoff: float
) -> CountChange | None:
    """How far (count, requests) minutes of the incident are from the baseline's usual rate.

    Minutes that served nothing are left out; the usual ones are `usual_minutes`.
    """
    minutes = [(c, r) for c, r in before if r > 0]
    if not minutes or not during:
        return None
    usual, above, below = _sorted_out(minutes)
    if not usual:
        return None
    change = _side(usual, during, cutoff, up=True) or _side(usual, during, cutoff, up=False)
    if change is None:
        return None
    return replace(change, earlier=above if change.up else below)


def usual_minutes(minutes: Sequence[tuple[float, float]]) -> Sequence[tuple[float, float]]:
    """The (count, requests) minutes of a baseline near its first estimate, in their order.

    A baseline too short to cut a minute from is all usual.
    """
    return _sorted_out(minutes)[0]


def _sorted_out(
    minutes: Sequence[tuple[float, float]],
) -> tuple[Sequence[tuple[float, float]], int, int]:
    """`usual_minutes`, and how many of the others were above and below the first estimate."""
    drop = int(TRIMMED * len(minutes))
    if not drop:
        return minutes, 0, 0
    ordered = sorted(minutes, key=lambda pair: pair[0] / pair[1])  # ties in time order
    middle = ordered[drop : len(ordered) - drop]
    rate = (sum(c for c, _ in middle) + PRIOR_LINES) / sum(r for _, r in middle)
    away = [departure(c, rate * r) for c, r in minutes]
    bound = USUAL * max(POISSON_SPREAD, MAD_SCALE * statistics.median(map(abs, away)))
    usual = [minute for minute, far in zip(minutes, away, strict=True) if abs(far) <= bound]
    above = sum(1 for far in away if far > bound)
    return usual, above, len(minutes) - len(usual) - above


def departure(count: float, expected: float) -> float:
    """A count's distance from its expected value on Anscombe's square-root scale.

    A negative count (no count can be) is read as none.
    """
    return math.sqrt(max(count, 0.0) + ANSCOMBE) - math.sqrt(expected + ANSCOMBE)


def _dispersion(minutes: Sequence[tuple[float, float]], rate: float) -> float:
    """How over-dispersed the minutes are around `rate`, at least 1 (a Poisson's)."""
    squares = sum((c - rate * r) ** 2 / (rate * r) for c, r in minutes)
    return max(1.0, squares / max(1, len(minutes) - 1))


def _side(
    before: Sequence[tuple[float, float]],
    during: Sequence[tuple[float, float]],
    cutoff: float,
    *,
    up: bool,
) -> CountChange | None:
    """How far the incident's minutes rose (`up`) or fell from `before`'s pooled rate."""
    served = sum(r for _, r in before)
    rate = (sum(c for c, _ in before) + PRIOR_LINES) / served
    seen = sum(c for c, _ in during)
    expected = rate * sum(r for _, r in during)
    if (seen > expected) is not up or not _may_reach(seen, expected, cutoff):
        return None
    dispersion = _dispersion(before, rate)
    if not _may_reach(seen / dispersion, expected / dispersion, cutoff):
        return None
    held = sum(1 for c, r in during if (c > rate * r if up else c < rate * r))
    if held < min(PERSISTENCE, len(during)):
        return None
    score = laplace_score(log_tail(round(seen / dispersion), expected / dispersion, up=up))
    return CountChange(score, expected / len(during), seen / len(during), up)


def _may_reach(seen: float, expected: float, cutoff: float) -> bool:
    """Whether a Poisson count could be unlikely enough to score `cutoff`, judged cheaply.

    Below one line expected, only two lines or more can be; above, only a change of at
    least sqrt(2 * cutoff) Poisson standard deviations (what a Laplace score of `cutoff`
    takes of a normal tail, with a margin for the Poisson's heavier one).
    """
    if expected < 1:
        return seen >= 2  # noqa: PLR2004 - one line where less than one is expected is chance
    return abs(seen - expected) >= math.sqrt(2 * cutoff) * math.sqrt(expected)


def _requests(t: Sequence[float], served: Series | None) -> Sequence[float]:
    """Requests served at each minute of `t`; one a minute without a request series."""
    if served is None or "requests" not in served.metrics:
        return [1.0] * len(t)
    counts = served.metrics["requests"]
    if served.t == t:
        # Zeros count as 0.0 would, and a series without gaps is read as it is.
        return cast("Sequence[float]", counts) if None not in counts else [n or 0.0 for n in counts]
    by_time = dict(zip(served.t, counts, strict=False))
    return [by_time.get(when) or 0.0 for when in t]


def _requests_as_kept(t: Sequence[float], served: Series | None) -> Sequence[float | None]:
    """`_requests`, but a series on the same minutes as it is: None where nothing was measured.

    Looking for a None in every service's series costs more than the screen's own check.
    """
    if served is not None and served.t == t and "requests" in served.metrics:
        return served.metrics["requests"]
    return _requests(t, served)


def _served(t: Sequence[float], requests: Sequence[float], window: Window) -> Sequence[int]:
    """The positions of `t` in `window` at which the service served something.

    A range when it served something every minute (most services), else a list.
    """
    first, last = bisect.bisect_left(t, window.start), bisect.bisect_right(t, window.end)
    if all(requests[first:last]):
        return range(first, last)
    return [i for i in range(first, last) if requests[i]]


def _told(key: str, level: str | None, change: CountChange) -> str:
    before, after = _rate(change.expected), _rate(change.seen)
    again = earlier_minutes(change)
    if level is not None:
        return f"{level} logs {before} → {after}/min{again}"
    shown = shown_template(key.removeprefix(TEMPLATE_KEY))
    if change.up and change.expected < 0.5 and not again:  # noqa: PLR2004 - under one a minute
        return f"new template '{shown}' {after}/min"
    if not change.up and change.seen < 0.5:  # noqa: PLR2004 - under one a minute
        return f"'{shown}' {before}/min → 0{again}"
    return f"'{shown}' {before}/min → {after}/min{again}"


def shown_template(text: str) -> str:
    """A template as evidence shows it, its labelled ids left out (`without_ids`).

    A long one is shown by its start (the logger, the method) and its end (often the
    outcome: the exception's message), cut between words where it can be.
    """
    text = without_ids(text)
    if len(text) <= TEMPLATE_SHOWN:
        return text
    head = text[: TEMPLATE_SHOWN - SHOWN_END - 3]
    tail = text[-SHOWN_END:]
    ends = [i + 1 for i, char in enumerate(head) if char in " ])" and i + 1 >= len(head) * 3 // 4]
    starts = [i for i, char in enumerate(tail) if char in " [(" and i < len(tail) // 2]
    head = head[: ends[-1]] if ends else head  # after a word or a closing bracket
    tail = tail[starts[0] :] if starts else tail  # before a word or an opening bracket
    return f"{head.rstrip()} … {tail.lstrip()}"


def without_ids(text: str) -> str:
    """`text` without its labelled, masked ids ("TraceID: <ID> "); itself when that is all."""
    return _ID_FIELD.sub("", text).strip() or text


def earlier_minutes(change: CountChange) -> str:
    """What to add when the baseline held earlier minutes like these: a fault come back.

    Said from `PERSISTENCE` minutes on: one odd minute is no episode.
    """
    if change.earlier < PERSISTENCE:
        return ""
    side = "high" if change.up else "low"
    return f", {side} in {change.earlier} earlier minutes too"


def _rate(value: float) -> str:
    if value < 0.05:  # noqa: PLR2004 - less than one line in twenty minutes reads as none
        return "0"
    return number(round(value)) if value >= 10 else number(value)  # noqa: PLR2004 - one decimal below ten
