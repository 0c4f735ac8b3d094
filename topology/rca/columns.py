"""Many series' values worked out at once in numpy, the same numbers Python's own arithmetic gives.

A map's health series are some millions of values. Worked out one at a time, each costs
a few Python calls; here each column is worked out for every series and minute at once,
then handed back as the tuples a `Series` holds (None where nothing was measured).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy

from topology.stats import LATENCY_BOUNDS_MS

if TYPE_CHECKING:
    import numpy.typing

    Floats = numpy.typing.NDArray[numpy.float64]
    Ints = numpy.typing.NDArray[numpy.int64]
    Bools = numpy.typing.NDArray[numpy.bool_]
    Values = tuple[float | None, ...]

_LOWER = numpy.array((0.0, *LATENCY_BOUNDS_MS[:-1]), dtype=numpy.float64)
"""The lower bound of each histogram bucket but the last (the rest)."""
_UPPER = numpy.array(LATENCY_BOUNDS_MS, dtype=numpy.float64)
_NEAR_HALF = 1e-6
"""How near a half a scaled value may come before `rounded` leaves it to Python."""
_EXACT_BELOW = 2.0**31
"""Scaled values at least this large have too few fraction bits to round here."""
_SPLIT = 2.0**27 + 1.0
"""Veltkamp's splitter: a double times it splits into two halves of 26 bits."""
_REST = float(LATENCY_BOUNDS_MS[-1])
"""What a quantile in the last bucket (the rest) reads: its lower bound."""


def rounded(values: Floats, digits: int) -> Floats:
    """`round(value, digits)` of each value, the same double Python's `round` gives.

    Scaled by 10**digits, a value rounds to the nearest whole number and back. Where the
    scaled value lies within a hair of a half, the scaling's own rounding could decide:
    there the exact product (`_past`) tells, and a true half goes to the even side, as
    Python's correctly rounded `round` does. Values too large to keep a fraction, and
    infinities, are left to Python.
    """
    scale = 10.0**digits
    with numpy.errstate(over="ignore", invalid="ignore"):  # the wide ones, Python's below
        scaled = values * scale
        whole = numpy.floor(scaled)
        near = numpy.abs(scaled - whole - 0.5) < _NEAR_HALF
    found = numpy.rint(scaled)
    if near.any():
        lower = whole[near]
        rest = _past(values[near], scale, lower + 0.5)
        even = numpy.where(numpy.fmod(lower, 2.0) == 0, lower, lower + 1.0)
        found[near] = numpy.where(rest > 0, lower + 1.0, numpy.where(rest < 0, lower, even))
    found /= scale
    flat, given = found.reshape(-1), values.reshape(-1)
    wide = ~(numpy.abs(scaled) < _EXACT_BELOW) & ~numpy.isnan(values)
    for at in numpy.flatnonzero(wide).tolist():
        flat[at] = round(float(given[at]), digits)
    return found


def _past(values: Floats, scale: float, mid: Floats) -> Floats:
    """A number with the sign of `values * scale - mid`, taken exactly, for products near `mid`.

    Dekker's product: `values * scale` is `product + error` exactly, both doubles (`scale`
    fits in 26 bits). `product - mid` is exact, the two being this near.
    """
    product = values * scale
    high = values * _SPLIT
    high = high - (high - values)
    low = values - high
    error = (high * scale - product) + low * scale
    return (product - mid) + error


def quantiles(histograms: Ints, totals: Ints, qs: Sequence[float]) -> list[Floats]:
    """`topology.stats.quantiles` of each histogram row at each of `qs` (> 0), NaN if empty.

    `totals` are the rows' sums. Interpolated within the first bucket whose running count
    reaches q of the total, in the same order of operations, so the doubles are the same.
    """
    cumulative = numpy.cumsum(histograms, axis=1)
    rows = numpy.arange(len(histograms))
    found = []
    for q in qs:
        rank = q * totals
        index = numpy.count_nonzero(cumulative < rank[:, None], axis=1)
        inside = index < len(LATENCY_BOUNDS_MS)
        within = numpy.minimum(index, len(LATENCY_BOUNDS_MS) - 1)
        seen = numpy.where(index > 0, cumulative[rows, index - 1], 0)
        count = numpy.where(inside, histograms[rows, within], 1)
        step = _UPPER[within] - _LOWER[within]
        with numpy.errstate(invalid="ignore", divide="ignore"):
            value = _LOWER[within] + step * (rank - seen) / count
        found.append(numpy.where(totals > 0, numpy.where(inside, value, _REST), numpy.nan))
    return found


def as_values(table: Floats, measured: Bools) -> list[Values]:
    """Each row of `table` as a tuple of Python floats, None where not `measured`."""
    cells = table.astype(object)
    cells[~measured] = None
    return list(map(tuple, cells.tolist()))


def as_counts(table: Floats | Ints) -> list[Values]:
    """Each row of `table` as a tuple: Python ints when every count is whole, else floats."""
    if table.dtype.kind == "f":
        as_ints = table.astype(numpy.int64)
        if numpy.array_equal(as_ints, table):
            table = as_ints
    return list(map(tuple, table.tolist()))


def cells_of(positions: Sequence[int] | Ints) -> tuple[Ints, Bools]:
    """Where each of `positions` (cells, numbered row by row) is kept: the last of each cell.

    Returns the positions as an array and which of them to keep, so that a cell given
    twice takes its later value, as filling a list in order would.
    """
    cells = numpy.asarray(positions, dtype=numpy.int64)
    if len(cells) == 0:
        return cells, numpy.ones(0, dtype=bool)
    keep = numpy.ones(len(cells), dtype=bool)
    if numpy.all(cells[1:] > cells[:-1]):  # each cell once, in order: the usual read
        return cells, keep
    order = numpy.argsort(cells, kind="stable")
    ordered = cells[order]
    last = numpy.ones(len(cells), dtype=bool)
    last[:-1] = ordered[1:] != ordered[:-1]
    keep[:] = False
    keep[order[last]] = True
    return cells, keep
