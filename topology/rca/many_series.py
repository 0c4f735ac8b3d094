"""The health series of many services or edges at once, in numpy: a large map's, quickly.

The same values, None for None, as `topology.rca.series` works out a minute at a time:
`CHUNK` series at a time, each column for all their minutes at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

import numpy

from topology.rca.columns import as_counts, as_values, cells_of, quantiles, rounded
from topology.rca.series import DIGITS, QUANTILES, edge_key
from topology.rca.snapshot import Series
from topology.stats import HISTOGRAM_SIZE, EdgeTiming, ServiceStats

if TYPE_CHECKING:
    import numpy.typing

    from topology.rca.columns import Bools, Floats, Ints, Values

CHUNK = 256
"""Series worked out at once: enough that numpy's work outweighs its calls, few enough
that the working tables stay small beside the series made."""


def health_of_many(
    times: Sequence[int], nodes: Sequence[Sequence[tuple[int, ServiceStats]]]
) -> list[Series]:
    """`service_series` of each of `nodes`' buckets at `times`, in their order."""
    found = []
    for first in range(0, len(nodes), CHUNK):
        found.extend(_health(times, nodes[first : first + CHUNK]))
    return found


def timings_of_many(
    edges: Mapping[tuple[str, str], Sequence[EdgeTiming]], times: Sequence[int]
) -> dict[str, Series]:
    """`timing_series` of `edges`, by edge key, in the order of `edges`."""
    shared = tuple(times)
    items = list(edges.items())
    found = {}
    for first in range(0, len(items), CHUNK):
        found.update(_timings(items[first : first + CHUNK], shared))
    return found


def _timings(
    edges: Sequence[tuple[tuple[str, str], Sequence[EdgeTiming]]], times: tuple[int, ...]
) -> dict[str, Series]:
    table = _rows_of(list(chain.from_iterable(points for _, points in edges)), _TIMING_WIDTH)
    rows = numpy.repeat(numpy.arange(len(edges)), [len(points) for _, points in edges])
    return timings_of_table([key for key, _ in edges], table, rows, times)


def timings_of_table(
    edges: Sequence[tuple[str, str]], table: Floats, rows: Ints, times: tuple[int, ...]
) -> dict[str, Series]:
    """`timing_series` of `edges` from their buckets as a table, a bucket a row.

    Its columns are those of an `EdgeTiming`: start, calls, latency sum and count, client
    sum and count, server sum and count; `rows` tells each bucket's edge (its place in
    `edges`).
    """
    cells, kept = placed_cells(table[:, 0], rows, times)
    table, cells = table[kept], cells[kept]
    grid = (len(edges), len(times))
    calls = _placed(table[:, 1], cells, grid, 0.0)
    average = _ratio(table[:, 2], table[:, 3], cells, grid)
    sides = (table[:, 5] != 0) & (table[:, 7] != 0)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        gap = numpy.maximum(0.0, table[:, 4] / table[:, 5] - table[:, 6] / table[:, 7])
    network = _placed(numpy.where(sides, gap, numpy.nan), cells[sides], grid, numpy.nan, sides)
    columns = zip(as_counts(calls), _measured(average), _measured(network), strict=True)
    return {
        edge_key(parent, child): Series(
            times, {"requests": n, "latency_avg_ms": avg, "network_ms": net}
        )
        for (parent, child), (n, avg, net) in zip(edges, columns, strict=True)
    }


def _health(
    times: Sequence[int], nodes: Sequence[Sequence[tuple[int, ServiceStats]]]
) -> list[Series]:
    """The health series at `times` of each of `nodes`' buckets, all worked out at once.

    A bucket given twice for one time counts once, the later, as a mapping by time would.
    """
    shared = tuple(times)
    points = list(chain.from_iterable(nodes))
    starts = list(map(_FIRST, points))
    buckets = list(map(_SECOND, points))
    latencies = list(map(_LATENCY, buckets))
    histograms = list(map(_HISTOGRAM, latencies))
    rows = numpy.repeat(numpy.arange(len(nodes)), list(map(len, nodes)))
    served = list(map(_REQUESTS, buckets))
    failed = list(map(_ERRORS, buckets))
    sums = list(map(_SUM, latencies))
    counts = list(map(_COUNT, latencies))
    cells, kept = placed_cells(numpy.array(starts, dtype=numpy.float64), numpy.array(rows), shared)
    return health_of_buckets(
        shared,
        len(nodes),
        cells[kept],
        Buckets(
            requests=numpy.asarray(served)[kept] if served else numpy.zeros(0, numpy.int64),
            errors=numpy.asarray(failed)[kept] if failed else numpy.zeros(0, numpy.int64),
            sums=numpy.asarray(sums, dtype=numpy.float64)[kept],
            counts=numpy.asarray(counts, dtype=numpy.float64)[kept],
            histograms=_rows_of(histograms, HISTOGRAM_SIZE, numpy.int64)[kept],
        ),
    )


@dataclass(frozen=True, slots=True)
class Buckets:
    """Buckets as columns, a bucket a place: what each served, failed and took."""

    requests: Ints
    errors: Ints
    sums: Floats
    """The latency sum, in milliseconds."""
    counts: Floats
    """How many latencies the sum adds up."""
    histograms: Ints
    """The latency histogram, a bucket a row."""

    @classmethod
    def none(cls) -> Buckets:
        """No buckets at all."""
        counts = numpy.zeros(0, dtype=numpy.int64)
        sums = numpy.zeros(0, dtype=numpy.float64)
        return cls(
            requests=counts,
            errors=counts,
            sums=sums,
            counts=sums,
            histograms=numpy.zeros((0, HISTOGRAM_SIZE), numpy.int64),
        )


def health_of_buckets(
    times: tuple[int, ...], nodes: int, cells: Ints, buckets: Buckets
) -> list[Series]:
    """The health series at `times` of `nodes` nodes from their buckets.

    A bucket's cell is its node's place times `len(times)` plus its time's place; no two
    buckets share a cell, and a cell without one is a minute without requests.
    """
    grid = (nodes, len(times))
    requests, errors, count = buckets.requests, buckets.errors, buckets.counts
    with numpy.errstate(invalid="ignore", divide="ignore"):
        share = 100.0 * (1 - numpy.minimum(errors, requests) / requests)
    columns = {
        "requests": as_counts(_placed(requests, cells, grid, 0)),
        "errors": as_counts(_placed(errors, cells, grid, 0)),
        "availability_pct": _measured(
            _placed(share, cells[requests > 0], grid, numpy.nan, requests > 0)
        ),
        "latency_avg_ms": _measured(_ratio(buckets.sums, count, cells, grid)),
    }
    bins = buckets.histograms
    totals = bins.sum(axis=1)
    found = quantiles(bins, totals, [q for _, q in QUANTILES])
    for (key, q), value in zip(QUANTILES, found, strict=True):
        told = (count * (1 - q) >= 1 - 1e-9) & (totals > 0)
        columns[key] = _measured(_placed(value[told], cells[told], grid, numpy.nan))
    return [
        Series(times, {key: values[row] for key, values in columns.items()}) for row in range(nodes)
    ]


_TIMING_WIDTH = 8
"""The numbers of an `EdgeTiming`."""


def _rows_of(
    rows: Sequence[Sequence[float]], width: int, kind: type = numpy.float64
) -> numpy.typing.NDArray[Any]:
    """`rows`, each of `width` numbers, as a table: read straight through, the quickest way."""
    if set(map(len, rows)) <= {width}:
        values = chain.from_iterable(rows)
        return numpy.fromiter(values, kind, count=len(rows) * width).reshape(-1, width)
    return numpy.array(rows, dtype=kind).reshape(-1, width)  # a row of another width raises


_REQUESTS = attrgetter("requests")
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)
_LATENCY = attrgetter("latency")
_HISTOGRAM = attrgetter("histogram")
_ERRORS = attrgetter("errors")
_SUM = attrgetter("sum_ms")
_COUNT = attrgetter("count")


def placed_cells(starts: Floats, rows: Ints, times: tuple[int, ...]) -> tuple[Ints, Bools]:
    """The cell (row by row, a step each) of each bucket start, and which to keep.

    Kept: the starts on one of `times`, each cell once (the later of two).
    """
    grid = numpy.asarray(times, dtype=numpy.float64)
    step = numpy.searchsorted(grid, starts)
    inside = step < len(grid)
    inside[inside] = grid[step[inside]] == starts[inside]
    positions = rows * len(grid) + step
    cells, last = cells_of(numpy.where(inside, positions, -1))
    return cells, last & inside


def _placed(
    values: Floats | Ints,
    cells: Ints,
    grid: tuple[int, int],
    missing: float,
    where: Bools | None = None,
) -> Floats:
    """`values` (or those `where` tells) put in their cells of a table, `missing` elsewhere."""
    kind = numpy.float64 if numpy.isnan(missing) or values.dtype.kind == "f" else values.dtype
    table = numpy.full(grid[0] * grid[1], missing, dtype=kind)
    table[cells] = values if where is None else values[where]
    return table.reshape(grid)


def _ratio(total: Floats, count: Floats, cells: Ints, grid: tuple[int, int]) -> Floats:
    """`total / count` in the cells of the buckets with a count, NaN elsewhere."""
    measured = count != 0
    return _placed(total[measured] / count[measured], cells[measured], grid, numpy.nan)


def _measured(table: Floats) -> list[Values]:
    """Each row rounded to DIGITS, as a tuple with None where nothing was measured."""
    return as_values(rounded(table, DIGITS), ~numpy.isnan(table))
