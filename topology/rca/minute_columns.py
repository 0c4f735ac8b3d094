"""Minute buckets read as columns, made into series without an object per minute.

What ranking reads of a large map (each service's requests, errors and latency histogram
per minute; each edge's calls, time on each side and histogram) is read into arrays, a
column per value, as the rows arrive; then the health series of the services, the
timing series of the edges and, for the nodes that served nothing themselves, the series
of the calls into them are worked out all at once. The values are those
`topology.rca.series` gives from the same buckets as objects: the calls into a node are
added in its callers' order, the sums being floats.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, starmap
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import numpy

from topology.rca.many_series import Buckets, health_of_buckets, placed_cells, timings_of_table
from topology.rca.series import edge_key
from topology.rca.snapshot import Series
from topology.stats import HISTOGRAM_VALUES, TIMING_VALUES

if TYPE_CHECKING:
    from topology.rca.columns import Floats, Ints

SUMMED = ("calls", "errors", "lat_count")
"""The counts of a callee's incoming calls summed into the requests it served."""


@dataclass(frozen=True, slots=True)
class Minutes:
    """Minute buckets of services or edges, a row each, as read."""

    keys: list[Key]
    """The services' names, or the edges' (parent, child), in order."""
    key: Ints
    """Each row's service or edge, its place in `keys`."""
    start: Ints
    values: dict[str, Floats]
    """Each value's column, by name: as doubles, which hold every count below 2**53."""
    table: Floats
    """The values a row each, the columns of `values` side by side in the order read."""

    def block(self, names: Sequence[str]) -> Floats:
        """The columns of `names`, side by side: a view of the table when read side by side."""
        first = next(i for i, name in enumerate(self.values) if name == names[0])
        if tuple(self.values)[first : first + len(names)] == tuple(names):
            return self.table[:, first : first + len(names)]
        return numpy.column_stack([self.values[name] for name in names])

    def order(self) -> Ints:
        """The rows in the order of their keys, each key's as read: the order sums are added in."""
        found: Ints = numpy.argsort(self.key, kind="stable")
        return found


def minute_columns(
    chunks: Iterable[Iterable[Sequence[Sequence[Any]]]], names: Sequence[str], *, keyed_by: int
) -> Minutes:
    """Rows (a key of `keyed_by` names, start, then the values `names`) as columns.

    The rows come in chunks, each of the services, or the edges into or out of some
    nodes, read a batch at a time: an edge between nodes of two chunks comes in both, and
    is taken from the first. The values are packed as doubles a row at a time, straight
    from the row (twice as fast as a column at a time), into one buffer the columns are
    views of.
    """
    key_of = itemgetter(*range(keyed_by))  # one name: the name itself
    start_of = itemgetter(keyed_by)
    values_of = itemgetter(slice(keyed_by + 1, None))
    ids: dict[Key, int] = {}
    numbers = array("q")
    starts = array("q")
    packed = bytearray()
    pack = struct.Struct(f"{len(names)}d").pack
    for chunk in chunks:
        known = len(ids)  # the keys numbered below came in an earlier chunk
        for batch in chunk:
            found = _numbered(ids, list(map(key_of, batch)))
            rows: Iterable[Sequence[Any]] = batch
            if known:
                new = [number >= known for number in found]
                rows, found = list(compress(batch, new)), list(compress(found, new))
            numbers.extend(found)
            starts.extend(map(start_of, rows))
            packed += b"".join(starmap(pack, map(values_of, rows)))
    keys = sorted(ids)
    place = numpy.empty(len(keys), dtype=numpy.int64)
    place[[ids[key] for key in keys]] = numpy.arange(len(keys))
    table = numpy.frombuffer(packed, dtype=numpy.float64).reshape(-1, len(names))
    return Minutes(
        keys=keys,
        key=place[numpy.frombuffer(numbers, dtype=numpy.int64)],
        start=numpy.frombuffer(starts, dtype=numpy.int64),
        values={name: table[:, column] for column, name in enumerate(names)},
        table=table,
    )


def health_of_minutes(minutes: Minutes, times: Sequence[int]) -> dict[str, Series]:
    """The health series of each service of `minutes` (its own buckets), by name.

    A minute read twice counts once, the later, as `service_series` reads it.
    """
    shared = tuple(times)
    found = _health(minutes, shared, "requests")
    return dict(zip(cast("list[str]", minutes.keys), found, strict=True))


def edge_series_of_minutes(minutes: Minutes, times: Sequence[int]) -> dict[str, Series]:
    """`edge_series` of each edge of `minutes`, by edge key: its health and `network_ms`."""
    shared = tuple(times)
    health = _health(minutes, shared, "calls")
    edges = _edges(minutes)
    timings = timings_of_table(edges, _timing_table(minutes), minutes.key, shared)
    found = {}
    for (parent, child), series in zip(edges, health, strict=True):
        key = edge_key(parent, child)
        network = timings[key].metrics["network_ms"]
        found[key] = Series(shared, {**series.metrics, "network_ms": network})
    return dict(sorted(found.items()))


def _health(minutes: Minutes, times: tuple[int, ...], served: str) -> list[Series]:
    """The health series of each key of `minutes`, `served` being its requests' column."""
    cells, kept = placed_cells(minutes.start.astype(numpy.float64), minutes.key, times)
    values = minutes.values
    buckets = Buckets(
        requests=values[served][kept].astype(numpy.int64),
        errors=values["errors"][kept].astype(numpy.int64),
        sums=values["lat_sum_ms"][kept],
        counts=values["lat_count"][kept],
        histograms=minutes.block(HISTOGRAM_VALUES)[kept].astype(numpy.int64),
    )
    return health_of_buckets(times, len(minutes.keys), cells[kept], buckets)


def timings_of_minutes(minutes: Minutes, times: Sequence[int]) -> dict[str, Series]:
    """`timing_series` of each edge of `minutes`, by edge key."""
    found = timings_of_table(_edges(minutes), _timing_table(minutes), minutes.key, tuple(times))
    return dict(sorted(found.items()))


@dataclass(frozen=True, slots=True)
class CallTables:
    """What the series of edges' minutes are made of, a fraction of their size (`tables_of`).

    The timings of each edge's minutes, and the minutes of the calls into some nodes, summed.
    """

    times: tuple[int, ...]
    edges: list[tuple[str, str]]
    timings: Floats
    """Per minute of an edge, as read: start, then the `TIMING_VALUES`."""
    timed: Ints
    """Each timing's edge, its place in `edges`."""
    nodes: list[str]
    """The nodes the calls into which are summed, by name."""
    cells: Ints
    """Each summed minute's cell: its node's place times `len(times)` plus its time's."""
    into: Buckets
    """The summed minutes, in the order of `cells`."""

    def series(self) -> tuple[dict[str, Series], dict[str, Series]]:
        """The health series of `nodes`, by name, and the timing series of `edges`, by key."""
        health = health_of_buckets(self.times, len(self.nodes), self.cells, self.into)
        timings = timings_of_table(self.edges, self.timings, self.timed, self.times)
        return dict(zip(self.nodes, health, strict=True)), dict(sorted(timings.items()))


def tables_of(
    minutes: Minutes,
    times: Sequence[int],
    *,
    wanted: Collection[str] | None,
    served: Collection[str],
) -> CallTables:
    """The timings of every edge of `minutes`, and the calls into each node to be given series.

    Those nodes are the ones of `wanted` (None: any) not in `served`, called by others:
    their callers' calls, errors and latencies are summed minute by minute, the callers in
    order, as `incoming_series` sums them into the requests the node would have served.
    """
    shared = tuple(times)
    nodes, cells, into = _incoming(minutes, shared, wanted, set(served))
    return CallTables(
        times=shared,
        edges=_edges(minutes),
        timings=_timing_table(minutes),
        timed=minutes.key,
        nodes=nodes,
        cells=cells,
        into=into,
    )


def _timing_table(minutes: Minutes) -> Floats:
    """Start, then the `TIMING_VALUES`, a minute a row, as read."""
    starts = minutes.start.astype(numpy.float64)
    table: Floats = numpy.column_stack([starts] + [minutes.values[name] for name in TIMING_VALUES])
    return table


def _edges(minutes: Minutes) -> list[tuple[str, str]]:
    return cast("list[tuple[str, str]]", minutes.keys)


def _incoming(
    minutes: Minutes,
    times: tuple[int, ...],
    wanted: Collection[str] | None,
    skipped: set[str],
) -> tuple[list[str], Ints, Buckets]:
    """The nodes called whose calls are summed, the cells of their minutes, and the sums."""
    edges = _edges(minutes)
    asked = None if wanted is None else set(wanted)
    into = [
        parent != child and child not in skipped and (asked is None or child in asked)
        for parent, child in edges
    ]
    nodes = sorted({child for (_, child), taken in zip(edges, into, strict=True) if taken})
    node_of = {name: place for place, name in enumerate(nodes)}
    target = numpy.array(
        [node_of[child] if taken else -1 for (_, child), taken in zip(edges, into, strict=True)],
        dtype=numpy.int64,
    )[minutes.key]
    grid = numpy.asarray(times, dtype=numpy.int64)
    step = numpy.searchsorted(grid, minutes.start)
    on_grid = step < len(grid)
    on_grid[on_grid] = grid[step[on_grid]] == minutes.start[on_grid]
    counted = (target >= 0) & on_grid
    rows = numpy.flatnonzero(counted)
    cell = target[rows] * len(grid) + step[rows]
    size = len(nodes) * len(grid)
    cells = numpy.flatnonzero(numpy.bincount(cell, minlength=size))
    if not len(cells):
        return nodes, cells, Buckets.none()

    def summed(name: str) -> Floats:
        # Counts: whole numbers below 2**53, their sum the same in any order.
        found = numpy.bincount(cell, weights=minutes.values[name][rows], minlength=size)
        return found[cells].astype(numpy.float64, copy=False)  # doubles already, as weighed

    # Milliseconds: each cell's callers added one after the other, from 0.0, in order.
    order = minutes.order()
    ordered = order[counted[order]]
    in_order = target[ordered] * len(grid) + step[ordered]
    sums = numpy.bincount(in_order, weights=minutes.values["lat_sum_ms"][ordered], minlength=size)
    requests, errors, counts = (summed(name).astype(numpy.int64) for name in SUMMED)
    return (
        nodes,
        cells,
        Buckets(
            requests=requests,
            errors=errors,
            sums=sums[cells].astype(numpy.float64, copy=False),
            counts=counts.astype(numpy.float64),
            histograms=numpy.column_stack([summed(name) for name in HISTOGRAM_VALUES]).astype(
                numpy.int64
            ),
        ),
    )


def _numbered(ids: dict[Key, int], keys: list[Key]) -> list[int]:
    """The number of each key in `ids`, a key not in it yet numbered next."""
    found = list(map(ids.get, keys))  # most batches hold only keys numbered before
    if None not in found:
        return cast("list[int]", found)
    return [ids.setdefault(key, len(ids)) for key in keys]


Key: TypeAlias = "str | tuple[str, ...]"
"""A service's name, or an edge's (parent, child)."""
