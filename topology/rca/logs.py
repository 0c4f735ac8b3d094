"""Evidence from logs: levels and templates whose rate per request left the baseline's.

A log line's count follows the traffic, so each level and template is read as a rate per
request the service served (per minute, for a service with no traced requests), pooled
over the baseline's minutes; that rate times the incident's requests is what the
incident should have logged. The baseline's rate leaves out the tenth of its minutes that
logged the most per request and the tenth that logged the least: an earlier episode of
the same fault, a few minutes of the hour, logged far from the usual rate and is not what
to expect (the spread of the minutes kept is widened by what such a cut takes from a
normal distribution's, so that ordinary minutes are not judged against too narrow a
spread). The score is how unlikely what it did log is for a Poisson
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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import truediv
from typing import cast

from topology.rca.evidence import Evidence, Kind, number
from topology.rca.scoring import PERSISTENCE
from topology.rca.snapshot import Series, Snapshot, Window
from topology.rca.tails import laplace_score, log_tail

LEVEL_KEY = "level:"
TEMPLATE_KEY = "template:"
BAD_LEVELS = frozenset({"WARN", "WARNING", "ERROR", "SEVERE", "FATAL", "CRITICAL"})
"""Log levels whose rise is evidence of a fault."""
TEMPLATE_SHOWN = 60
"""Characters of a template's text shown in evidence."""
PRIOR_LINES = 0.5
"""Lines added to a baseline's count: a silent baseline does not make a line impossible."""
TRIMMED = 0.1
"""The share of the baseline's minutes left out at each end of its rate per request:
those of an earlier episode of the same fault, when one falls in the baseline."""
KEPT_VARIANCE = 0.438
"""The share of a normal distribution's variance left when a tenth is cut off each end."""


@dataclass(frozen=True, slots=True)
class CountChange:
    """How a count moved: its score, and the per-minute counts expected and seen."""

    score: float
    expected: float
    seen: float
    up: bool


SCREENED_FROM = 4000
"""Log series from which they are screened together first (`topology.rca.log_screen`).

Fewer are read one by one in less time than loading the array library takes.
"""


@dataclass(frozen=True, slots=True)
class _Read:
    """A service's log series that count as evidence: keys, levels (None: a template), counts."""

    name: str
    logged: Series
    keys: list[str]
    levels: list[str | None]
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
        service = _Read(name=name, logged=logged, keys=[], levels=[], counts=[])
        for key, values in logged.metrics.items():
            counted, level = _reading(key)
            if counted:
                service.keys.append(key)
                service.levels.append(level)
                service.counts.append(values)
        read.append(service)
    found: dict[str, list[Evidence]] = {}
    for service, could in zip(read, _screened(snapshot, read, threshold), strict=True):
        if not any(could):
            continue
        minutes = Minutes.of(service.logged.t, snapshot.series.get(service.name), snapshot)
        if minutes is None:
            continue
        items = []
        for i in (i for i, may in enumerate(could) if may):
            key, level = service.keys[i], service.levels[i]
            change = minutes.change(service.counts[i], threshold)
            if change is None or change.score < threshold or (level and not change.up):
                continue
            items.append(Evidence(Kind.LOGS, change.score, _told(key, level, change), True))
        if items:
            found[service.name] = items
    return found


def _screened(snapshot: Snapshot, read: Sequence[_Read], threshold: float) -> list[list[bool]]:
    """Per service, per series: whether it may be a change (all, when there are few)."""
    if sum(len(service.keys) for service in read) < SCREENED_FROM:
        return [[True] * len(service.keys) for service in read]
    from topology.rca.log_screen import Logged, could_change  # noqa: PLC0415 - loads numpy

    logged = [
        Logged(
            service.logged.t,
            _requests_as_kept(service.logged.t, snapshot.series.get(service.name)),
            service.counts,
            [level is not None for level in service.levels],
        )
        for service in read
    ]
    return could_change(logged, snapshot.baseline, snapshot.incident, threshold)


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
    served_before: float
    served_during: float
    requests_before: Sequence[float]
    """The requests served in each minute of `before`, in its order."""

    @classmethod
    def of(cls, t: Sequence[float], served: Series | None, snapshot: Snapshot) -> Minutes | None:
        """The minutes of `t` in the baseline and incident with requests served; None if none."""
        requests = _requests(t, served)
        before = _served(t, requests, snapshot.baseline)
        during = _served(t, requests, snapshot.incident)
        if not before or not during:
            return None
        return cls(
            before,
            during,
            requests,
            _total(requests, before),
            _total(requests, during),
            _at(requests, before),
        )

    def change(self, counts: Sequence[float | None], cutoff: float) -> CountChange | None:
        """How far the incident's counts are from the baseline's rate per request."""
        during, before = self.during, self.before
        seen: float
        logged: float
        try:
            if isinstance(during, range) and isinstance(before, range):  # most services
                seen = sum(counts[during.start : during.stop])  # type: ignore[arg-type]
                logged = sum(counts[before.start : before.stop])  # type: ignore[arg-type]
            else:
                seen, logged = _total(counts, during), _total(counts, before)
        except TypeError:  # a minute without a count: left out
            return self._pairs_change(counts, cutoff)
        known = cast("Sequence[float]", counts)  # the sums above found no gap
        drop = int(TRIMMED * len(self.before))
        if not drop:
            expected = (logged + PRIOR_LINES) / self.served_before * self.served_during
            if not _may_reach(seen, expected, cutoff):
                return None
            return self._pairs_change(counts, cutoff)
        counts_before, kept = self._kept(known, drop)
        requests_before = self.requests_before
        # The trimmed rate before any dispersion, judged cheaply: most series stop here.
        rate = (sum(map(counts_before.__getitem__, kept)) + PRIOR_LINES) / sum(
            map(requests_before.__getitem__, kept)
        )
        if not _may_reach(seen, rate * self.served_during, cutoff):
            return None
        requests = self.requests
        return trimmed_change(
            [(counts_before[i], requests_before[i]) for i in kept],
            [(known[i], requests[i]) for i in during],
            cutoff,
            drop,
        )

    def _kept(self, known: Sequence[float], drop: int) -> tuple[Sequence[float], list[int]]:
        """The baseline's counts, and which of them are kept: `drop` left at each end of rate.

        In the order of their rate per request, as `count_change` orders them (ties in
        time order), each minute's rate computed once rather than at every comparison.
        """
        before = self.before
        counts = _at(known, before)
        requests = self.requests_before
        rates = list(map(truediv, counts, requests))
        ordered = sorted(range(len(rates)), key=rates.__getitem__)
        return counts, ordered[drop : len(ordered) - drop]

    def _pairs_change(self, counts: Sequence[float | None], cutoff: float) -> CountChange | None:
        before = [(c, self.requests[i]) for i in self.before if (c := counts[i]) is not None]
        during = [(c, self.requests[i]) for i in self.during if (c := counts[i]) is not None]
        return count_change(before, during, cutoff)


def count_change(
    before: Sequence[tuple[float, float]], during: Sequence[tuple[float, float]], cutoff: float
) -> CountChange | None:
    """How far (count, requests) minutes of the incident are from the baseline's rate.

    The rate of the baseline without its `TRIMMED` minutes that logged the most per
    request and those that logged the least, its spread widened by `KEPT_VARIANCE`:
    minutes that serve nothing are left out.
    """
    minutes = sorted(((c, r) for c, r in before if r > 0), key=lambda pair: pair[0] / pair[1])
    if not minutes or not during:
        return None
    drop = int(TRIMMED * len(minutes))
    return trimmed_change(minutes[drop : len(minutes) - drop], during, cutoff, drop)


def trimmed_change(
    kept: Sequence[tuple[float, float]],
    during: Sequence[tuple[float, float]],
    cutoff: float,
    drop: int,
) -> CountChange | None:
    """`count_change` from the baseline's minutes `kept`, `drop` left out at each end."""
    spread = KEPT_VARIANCE if drop else 1.0
    return _side(kept, during, cutoff, up=True, spread=spread) or _side(
        kept, during, cutoff, up=False, spread=spread
    )


def _side(
    before: Sequence[tuple[float, float]],
    during: Sequence[tuple[float, float]],
    cutoff: float,
    *,
    up: bool,
    spread: float = 1.0,
) -> CountChange | None:
    """How far the incident's minutes rose (`up`) or fell from `before`'s pooled rate."""
    served = sum(r for _, r in before)
    rate = (sum(c for c, _ in before) + PRIOR_LINES) / served
    seen = sum(c for c, _ in during)
    expected = rate * sum(r for _, r in during)
    if (seen > expected) is not up or not _may_reach(seen, expected, cutoff):
        return None
    dispersion = max(
        1.0,
        sum((c - rate * r) ** 2 / (rate * r) for c, r in before) / max(1, len(before) - 1) / spread,
    )
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


def _at(values: Sequence[float], at: Sequence[int]) -> Sequence[float]:
    """The values at positions `at`, in its order (a slice when `at` is a range)."""
    if isinstance(at, range):
        return values[at.start : at.stop]
    return [values[i] for i in at]


def _total(counts: Sequence[float | None], at: Sequence[int]) -> float:
    """The sum of `counts` at positions `at`; a TypeError if one is None."""
    known = cast("Sequence[float]", counts)
    if isinstance(at, range):
        return sum(known[at.start : at.stop])
    return sum(map(known.__getitem__, at))


def _told(key: str, level: str | None, change: CountChange) -> str:
    before, after = _rate(change.expected), _rate(change.seen)
    if level is not None:
        return f"{level} logs {before} → {after}/min"
    text = key.removeprefix(TEMPLATE_KEY)
    shown = text if len(text) <= TEMPLATE_SHOWN else text[: TEMPLATE_SHOWN - 1] + "…"
    if change.up and change.expected < 0.5:  # noqa: PLR2004 - under one a minute
        return f"new template '{shown}' {after}/min"
    if not change.up and change.seen < 0.5:  # noqa: PLR2004 - under one a minute
        return f"'{shown}' {before}/min → 0"
    return f"'{shown}' {before}/min → {after}/min"


def _rate(value: float) -> str:
    if value < 0.05:  # noqa: PLR2004 - less than one line in twenty minutes reads as none
        return "0"
    return number(round(value)) if value >= 10 else number(value)  # noqa: PLR2004 - one decimal below ten
