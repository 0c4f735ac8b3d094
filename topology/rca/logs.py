"""Evidence from logs: levels and templates whose rate per request left the baseline's.

A log line's count follows the traffic, so each level and template is read as a rate per
request the service served (per minute, for a service with no traced requests), as
`topology.rca.counts` reads a count against the baseline's usual minutes: an hour's
baseline can hold earlier episodes of the same fault, and they are left out. Minutes in
which the service served nothing say nothing of its logs and are left out. Warning and
error levels count when they rise; a template when it appears, vanishes or jumps, in
most of the incident's minutes. The many series of a large map are first screened
together with array arithmetic (`topology.rca.log_screen`), which rules out only series
this reading finds unchanged.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from topology.rca.counts import PERSISTENCE, CountChange, count_change
from topology.rca.evidence import Evidence, Kind, number
from topology.rca.snapshot import Series, Snapshot, Window

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
