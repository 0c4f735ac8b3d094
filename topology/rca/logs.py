"""Evidence from logs: levels and templates whose rate per request left the baseline's.

A log line's count follows the traffic, so each level and template is read as a rate per
request the service served (per minute, for a service with no traced requests), pooled
over the baseline's minutes; that rate times the incident's requests is what the
incident should have logged. The score is how unlikely what it did log is for a Poisson
count over-dispersed as much as the baseline's minutes were around their own expected
counts, told in the robust scores' units: the standard deviations of a Laplace
distribution (the heavy tail they allow for) with the same tail probability. Minutes in
which the service served nothing say nothing of its logs and are left out. Warning and
error levels count when they rise; a template when it appears, vanishes or jumps, in
most of the incident's minutes.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from topology.rca.evidence import Evidence, Kind, number
from topology.rca.scoring import PERSISTENCE
from topology.rca.snapshot import Series, Snapshot, Window

LEVEL_KEY = "level:"
TEMPLATE_KEY = "template:"
BAD_LEVELS = frozenset({"WARN", "WARNING", "ERROR", "SEVERE", "FATAL", "CRITICAL"})
"""Log levels whose rise is evidence of a fault."""
TEMPLATE_SHOWN = 60
"""Characters of a template's text shown in evidence."""
PRIOR_LINES = 0.5
"""Lines added to a baseline's count: a silent baseline does not make a line impossible."""
SCREEN_Z = 2.0
"""Changes within this many Poisson standard deviations are not worth an exact tail."""
_TAIL_TERMS = 400


@dataclass(frozen=True, slots=True)
class CountChange:
    """How a count moved: its score, and the per-minute counts expected and seen."""

    score: float
    expected: float
    seen: float
    up: bool


def log_evidence(
    snapshot: Snapshot, names: Collection[str], threshold: float
) -> dict[str, list[Evidence]]:
    """Per service of `names` with logs: its levels and templates far off their baseline."""
    found: dict[str, list[Evidence]] = {}
    for name in names:
        logged = snapshot.logs.get(name)
        if logged is None:
            continue
        traffic = _traffic(logged, snapshot.series.get(name))
        windows = (snapshot.baseline, snapshot.incident)
        items = []
        for key, values in logged.metrics.items():
            level = key.removeprefix(LEVEL_KEY).upper() if key.startswith(LEVEL_KEY) else None
            if level is not None and level not in BAD_LEVELS:
                continue
            if level is None and not key.startswith(TEMPLATE_KEY):
                continue
            change = count_change(logged.t, values, traffic, windows)
            if change is None or change.score < threshold or (level and not change.up):
                continue
            items.append(Evidence(Kind.LOGS, change.score, _told(key, level, change), True))
        if items:
            found[name] = items
    return found


def count_change(
    t: Sequence[float],
    counts: Sequence[float | None],
    traffic: Mapping[float, float],
    windows: tuple[Window, Window],
) -> CountChange | None:
    """How far the incident's counts are from the baseline's rate per request; None if unread."""
    baseline, incident = windows
    before = _pairs(t, counts, traffic, baseline)
    during = _pairs(t, counts, traffic, incident)
    if not before or not during:
        return None
    served = sum(r for _, r in before)
    rate = (sum(c for c, _ in before) + PRIOR_LINES) / served
    dispersion = max(
        1.0, sum((c - rate * r) ** 2 / (rate * r) for c, r in before) / max(1, len(before) - 1)
    )
    seen = sum(c for c, _ in during)
    expected = rate * sum(r for _, r in during)
    up = seen > expected
    if abs(seen - expected) < SCREEN_Z * math.sqrt(dispersion * max(expected, 1.0)):
        return None
    held = sum(1 for c, r in during if (c > rate * r if up else c < rate * r))
    if held < min(PERSISTENCE, len(during)):
        return None
    log_p = _log_tail(round(seen / dispersion), expected / dispersion, up=up)
    score = (-math.log(2) - log_p) / math.sqrt(2) if log_p < math.log(0.5) else 0.0
    return CountChange(score, expected / len(during), seen / len(during), up)


def _traffic(logged: Series, served: Series | None) -> dict[float, float]:
    """Requests served per minute of `logged`; one a minute without a request series."""
    if served is None or "requests" not in served.metrics:
        return dict.fromkeys(logged.t, 1.0)
    return {t: n for t, n in zip(served.t, served.metrics["requests"], strict=False) if n}


def _pairs(
    t: Sequence[float],
    counts: Sequence[float | None],
    traffic: Mapping[float, float],
    window: Window,
) -> list[tuple[float, float]]:
    """(count, requests) of each minute in `window` in which the service served something."""
    pairs = []
    for when, count in zip(t, counts, strict=True):
        served = traffic.get(when)
        if served and count is not None and window.holds(when):
            pairs.append((count, served))
    return pairs


def _log_tail(count: int, rate: float, *, up: bool) -> float:
    """The log of P(X >= count) (up) or P(X <= count) for a Poisson count at `rate`."""
    if up and count <= 0:
        return 0.0
    terms = range(count, count + _TAIL_TERMS) if up else range(max(count, 0), -1, -1)
    logs = [k * math.log(rate) - rate - math.lgamma(k + 1) for k in terms]
    top = max(logs)
    return top + math.log(sum(math.exp(v - top) for v in logs))


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
    return number(round(value)) if value >= 10 else number(value)  # noqa: PLR2004
