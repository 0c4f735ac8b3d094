"""The shortest call paths between two services."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from topology.errors import UsageError
from topology.graph import ServiceGraph
from topology.queries.jsonable import as_dict
from topology.queries.numbers import EdgeNumbers


@dataclass(frozen=True, slots=True)
class Hop:
    """One call along a path."""

    parent: str
    child: str
    edge: EdgeNumbers

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class CallPath:
    """A chain of calls, first caller first."""

    hops: tuple[Hop, ...]

    @property
    def services(self) -> tuple[str, ...]:
        """The services along the path, in call order."""
        return (self.hops[0].parent, *(hop.child for hop in self.hops))

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data, with the services along the path."""
        return {**as_dict(self), "services": list(self.services)}


@dataclass(frozen=True, slots=True)
class PathResult:
    """Shortest paths from `source` to `target`, or, when `reversed`, from target to source.

    `found` is False when neither calls the other, even indirectly; `truncated` when
    more shortest paths exist than were asked for.
    """

    source: str
    target: str
    found: bool
    reversed: bool
    paths: tuple[CallPath, ...]
    truncated: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def paths(graph: ServiceGraph, a: str, b: str, *, limit: int = 5) -> PathResult:
    """Up to `limit` shortest call paths from `a` to `b`, else from `b` to `a`."""
    source, target = graph.resolve(a), graph.resolve(b)
    if source == target:
        raise UsageError(f"a path needs two different services, not {source!r} twice")
    if limit < 1:
        raise UsageError(f"limit must be at least 1, not {limit}")
    for start, end, backwards in ((source, target, False), (target, source, True)):
        found = _shortest(graph, start, end, limit + 1)
        if found:
            return PathResult(
                source=source,
                target=target,
                found=True,
                reversed=backwards,
                paths=tuple(found[:limit]),
                truncated=len(found) > limit,
            )
    return PathResult(
        source=source, target=target, found=False, reversed=False, paths=(), truncated=False
    )


def _shortest(graph: ServiceGraph, start: str, end: str, most: int) -> list[CallPath]:
    index = graph.index
    before = _predecessors(index.callees, index.ids[start], index.ids[end])
    return [
        _call_path(graph, [index.names[node] for node in path])
        for path in _paths_back(before, index.ids[end], most)
    ]


def _predecessors(
    callees: tuple[tuple[int, ...], ...], start: int, end: int
) -> dict[int, list[int]]:
    """Breadth-first from `start` until `end`'s level: each node's neighbours one hop back."""
    before: dict[int, list[int]] = {start: []}
    frontier = [start]
    while frontier and end not in before:
        reached: dict[int, list[int]] = {}
        for node in frontier:
            for callee in callees[node]:
                if callee not in before:
                    reached.setdefault(callee, []).append(node)
        before.update(reached)
        frontier = list(reached)
    return before


def _paths_back(before: dict[int, list[int]], end: int, most: int) -> list[list[int]]:
    """Up to `most` shortest paths to `end`, walked back through `before`."""
    if end not in before:
        return []
    found: list[list[int]] = []
    partials = [[end]]
    while partials and len(found) < most:
        partial = partials.pop()
        steps_back = before[partial[-1]]
        if not steps_back:
            found.append(partial[::-1])
        partials.extend([*partial, node] for node in sorted(steps_back, reverse=True))
    return found


def _call_path(graph: ServiceGraph, names: list[str]) -> CallPath:
    succ = graph.succ
    return CallPath(
        tuple(
            Hop(parent, child, EdgeNumbers.of(succ[parent][child]))
            for parent, child in pairwise(names)
        )
    )
