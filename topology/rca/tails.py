"""Poisson tail probabilities, and scores in the robust scores' units.

A count is judged by how unlikely it is for a Poisson count at the expected rate; the
probability is told as the standard deviations of a Laplace distribution (the heavy tail
the robust scores allow for) with the same tail probability.
"""

from __future__ import annotations

import math

_TAIL_TERMS = 400
_NEGLIGIBLE = -40.0
"""A term this many e-folds below the first adds nothing a score could show."""


def log_tail(count: int, rate: float, *, up: bool) -> float:
    """The log of P(X >= count) (up) or P(X <= count) for a Poisson count at `rate`.

    Terms are added from `count` away from the rate until they stop mattering.
    """
    if up and count <= 0:
        return 0.0
    step = 1 if up else -1
    k = max(count, 0)
    first = k * math.log(rate) - rate - math.lgamma(k + 1)
    total = 1.0
    for _ in range(_TAIL_TERMS):
        k += step
        if k < 0:
            break
        term = k * math.log(rate) - rate - math.lgamma(k + 1)
        if term - first < _NEGLIGIBLE:
            break
        total += math.exp(term - first)
    return first + math.log(total)


def laplace_score(log_p: float) -> float:
    """A one-sided tail probability (its log) as Laplace standard deviations; 0 from a half."""
    return (-math.log(2) - log_p) / math.sqrt(2) if log_p < math.log(0.5) else 0.0


def rise_score(seen: float, expected: float) -> float:
    """How unlikely `seen` or more is for a Poisson count expecting `expected`, as a score."""
    if expected <= 0:
        return math.inf if seen > 0 else 0.0
    return laplace_score(log_tail(round(seen), expected, up=True))
