"""Counts that follow the traffic: how far an incident's left a baseline's usual rate per request.

A count of events (log lines of a level or template, failed requests) follows the
traffic, so it is read as a rate per request, pooled over the baseline's usual minutes;
that rate times the incident's requests is what the incident should have counted. An
hour's baseline can hold earlier episodes of the same fault (one that flaps, or comes
back): a few minutes that counted far from the usual rate. So the usual rate is found in
two steps. A first estimate comes from the middle half of the minutes, ordered by rate per
request (a quarter left out at each end: the interquartile mean). Then each minute's
distance from it is read on the square-root scale on which a Poisson count's spread is a
half whatever its size (Anscombe's), and every minute more than `USUAL` spreads off is
left out: the spread is the larger of a Poisson count's and the median distance's (as the
standard deviation of a normal with that median absolute deviation). The rest, the usual
minutes, give the rate and the spread. An event counted now and then is not cut away by
the first step: its minutes of one event are usual against the first estimate and come
back in the second.

The score is how unlikely the incident's count is for a Poisson count over-dispersed as
much as the baseline's minutes were around their own expected counts, told in the robust
scores' units: the standard deviations of a Laplace distribution (the heavy tail they
allow for) with the same tail probability. A change counts when it holds in
`PERSISTENCE` of the incident's minutes: one odd minute is no incident.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from topology.rca.tails import laplace_score, log_tail

PERSISTENCE = 2
"""How many steps of the incident window must be that bad: one odd step is no incident."""
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


def rise_start(
    before: Sequence[tuple[float, float]],
    during: Sequence[tuple[float, float]],
    *,
    steps: int = PERSISTENCE,
) -> int:
    """Where in `before` a rise of the count that goes on in `during` began; else its length.

    The minutes are (count, requests). Only the second half of `before` is searched: the
    first half's usual minutes give the usual rate per request. The window's minutes must
    have risen from it (`count_change`, `USUAL` standard deviations). Then, walking back
    from the window a minute at a time, each minute adds how much likelier its count is at
    the window's rate than at the usual one (Poisson's log-likelihood ratio); the rise
    began where that sum peaks, `steps` or more minutes back, when it reaches `USUAL`²/2
    (a rise of `USUAL` standard deviations), in units of how over-dispersed the usual
    minutes are. The walk stops at a stretch of `steps` or more minutes likelier at the
    usual rate that falls as far (a burst that ended is no start; one quiet minute is not).
    Minute by minute, a few more counts a minute are lost in the noise; summed, they are
    plain.
    """
    whole = len(before)
    first = [m for m in before[: whole - whole // 2] if m[1] > 0]
    usual = usual_minutes(first)
    if whole < 2 * steps or not during or not usual:
        return whole
    risen = count_change(first, during, USUAL)
    if risen is None or not risen.up:
        return whole
    rate = (sum(c for c, _ in usual) + PRIOR_LINES) / sum(r for _, r in usual)
    now = sum(c for c, _ in during) / sum(r for _, r in during)
    if now <= rate:
        return whole
    bar = USUAL**2 / 2 * _dispersion(usual, rate)
    ratio = math.log(now / rate)
    total = peak = 0.0
    start, usual_run = whole, 0
    for at in range(whole - 1, whole - whole // 2 - 1, -1):
        count, requests = before[at]
        step = max(count, 0.0) * ratio - (now - rate) * max(requests, 0.0)
        total += step
        usual_run = usual_run + 1 if step < 0 else 0
        if total <= peak - bar and usual_run >= steps:
            break  # back at the usual rate: what lies before is another episode
        if total > peak:
            peak, start = total, at
    return start if whole - start >= steps and peak >= bar else whole


def departure(count: float, expected: float) -> float:
    """A count's distance from its expected value on Anscombe's square-root scale.

    A negative count (no count can be) is read as none.
    """
    return math.sqrt(max(count, 0.0) + ANSCOMBE) - math.sqrt(expected + ANSCOMBE)


def _dispersion(minutes: Sequence[tuple[float, float]], rate: float) -> float:
    """How over-dispersed the minutes are around `rate`, at least 1 (a Poisson's).

    A minute whose expected count rounds to nothing (requests too few to be a count, as
    a hand-written snapshot may hold) says nothing of it and is left out of the sum.
    """
    squares = sum((c - expected) ** 2 / expected for c, r in minutes if (expected := rate * r) > 0)
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
