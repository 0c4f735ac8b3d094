"""Breadth-first walks along the calls, level by level: the nodes reached, nearest first.

Each node reached is listed with its hops from the start and the node one hop back it
was reached from: of those, the one numbered first (in name order). On a large map held
for many questions, the levels are worked out with array arithmetic over the calls
packed once per graph (`prepare_levels`; some 20,000 calls visited by a deep walk, about
70 ns each one at a time); otherwise, and for a walk of a level or two, one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, cast

from topology.graph import CallIndex

if TYPE_CHECKING:
    import numpy
    import numpy.typing

    Ints = numpy.typing.NDArray[numpy.intp]

IN_ARRAYS_FROM = 20_000
"""From this many calls in the map, a walk deeper than `SHALLOW` levels goes in arrays."""
SHALLOW = 2
"""Levels a walk takes one node at a time whatever the map's size: a few hundred calls."""
ARRAYS_KEY = "levels.arrays"
"""The key of the calls packed as arrays, both ways, in a `CallIndex.memo`."""


@dataclass(frozen=True, slots=True)
class Walked:
    """The nodes a walk reached, nearest first (by number within a level), as columns."""

    hops: list[int]
    numbers: list[int]
    vias: list[int]
    """The node one hop back, numbered first of those the node is reached from."""


def walk(index: CallIndex, start: int, depth: int | None, *, down: bool) -> Walked:
    """Every node reached from `start`, along the calls (`down`) or against them.

    Within `depth` hops; None for any number.
    """
    calls = None if depth is not None and depth <= SHALLOW else packed_calls(index, down=down)
    if calls is None:
        return walk_plainly(index.callees if down else index.callers, start, depth)
    starts, targets, _sources = calls
    return walk_in_arrays(starts, targets, start, depth)


def walk_plainly(adjacency: tuple[tuple[int, ...], ...], start: int, depth: int | None) -> Walked:
    """`walk` one node at a time."""
    seen = bytearray(len(adjacency))
    seen[start] = 1
    hops: list[int] = []
    numbers: list[int] = []
    vias: list[int] = []
    frontier = [start]
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        via_of: dict[int, int] = {}
        for via in frontier:  # in number order: a node keeps the first, smallest via
            for node in adjacency[via]:
                if not seen[node]:
                    seen[node] = 1
                    via_of[node] = via
        frontier = sorted(via_of)
        hops.extend(repeat(level, len(frontier)))
        numbers.extend(frontier)
        vias.extend(map(via_of.__getitem__, frontier))
    return Walked(hops, numbers, vias)


def walk_in_arrays(starts: Ints, targets: Ints, start: int, depth: int | None) -> Walked:
    """`walk` a level at a time: the calls out of node n are `targets[starts[n]:starts[n+1]]`."""
    import numpy  # noqa: PLC0415 - only walks of a large map load it

    seen = numpy.zeros(len(starts) - 1, dtype=bool)
    seen[start] = True
    frontier = numpy.array([start], dtype=numpy.intp)
    levels: list[tuple[int, Ints, Ints]] = []
    level = 0
    while frontier.size and (depth is None or level < depth):
        level += 1
        begins = starts[frontier]
        counts = starts[frontier + 1] - begins
        total = int(counts.sum())
        if not total:
            break
        # Each call out of the frontier, in the frontier's order: its via and its target.
        vias = numpy.repeat(frontier, counts)
        shifts = numpy.repeat(begins - (numpy.cumsum(counts) - counts), counts)
        reached = targets[shifts + numpy.arange(total)]
        fresh = ~seen[reached]
        # The vias run in number order, so a node's first place (a stable sort's) holds
        # its smallest via.
        frontier, first = numpy.unique(reached[fresh], return_index=True)
        seen[frontier] = True
        levels.append((level, frontier, vias[fresh][first]))
    if not levels:
        return Walked([], [], [])
    return Walked(
        numpy.repeat([n for n, _, _ in levels], [len(f) for _, f, _ in levels]).tolist(),
        numpy.concatenate([f for _, f, _ in levels]).tolist(),
        numpy.concatenate([v for _, _, v in levels]).tolist(),
    )


Calls = tuple["Ints", "Ints", "Ints"]
"""Calls one way as arrays: per node, where its list starts; the lists, one after the
other; and per place in them, the node whose list it is."""
Packed = tuple[Calls, Calls]
"""The calls as arrays, along them and against them."""


def packed_calls(index: CallIndex, *, down: bool) -> Calls | None:
    """The calls of `index` packed as arrays (`prepare_levels`), or None when they are not."""
    packed = index.memo.get(ARRAYS_KEY)
    return cast("Packed", packed)[0 if down else 1] if packed else None


def climb_in_arrays(
    calls: Calls, frontier: list[int], seen: Iterable[int], level: int
) -> Iterator[tuple[int, list[int]]]:
    """The rest of a breadth-first walk from `frontier`: each level on, and its new nodes.

    `frontier` holds the nodes found at `level`; the new nodes of a level come in number
    order, and never one of `seen`. A level costs a few passes over every call: for the
    deep walks of a large map, where most of a level's calls are visited anyway.
    """
    import numpy  # noqa: PLC0415 - only walks of a large map load it

    starts, targets, sources = calls
    closed = numpy.zeros(len(starts) - 1, dtype=bool)
    closed[list(seen)] = True
    front = numpy.zeros_like(closed)
    front[frontier] = True
    while True:
        level += 1
        fresh = numpy.zeros_like(closed)
        fresh[targets[front[sources]]] = True
        fresh &= ~closed
        found = numpy.flatnonzero(fresh)
        if not found.size:
            return
        closed |= fresh
        front = fresh
        yield level, found.tolist()


def prepare_levels(index: CallIndex) -> None:
    """Pack a large map's calls both ways, once, for its walks in arrays.

    Only a process holding the map for many questions does (`reach.prepare`): a one-off
    question's walk is over sooner than loading the array library.
    """
    if ARRAYS_KEY not in index.memo:
        large = sum(map(len, index.callees)) >= IN_ARRAYS_FROM
        made = (_pack(index.callees), _pack(index.callers)) if large else False
        index.memo.setdefault(ARRAYS_KEY, made)


def _pack(adjacency: tuple[tuple[int, ...], ...]) -> Calls:
    import numpy  # noqa: PLC0415 - only a large map's walks load it

    lengths = numpy.fromiter(map(len, adjacency), dtype=numpy.intp, count=len(adjacency))
    starts = numpy.zeros(len(adjacency) + 1, dtype=numpy.intp)
    numpy.cumsum(lengths, out=starts[1:])
    targets = numpy.fromiter(
        (node for row in adjacency for node in row), dtype=numpy.intp, count=int(starts[-1])
    )
    sources = numpy.repeat(numpy.arange(len(adjacency), dtype=numpy.intp), lengths)
    return starts, targets, sources
