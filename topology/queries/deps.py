"""What a service calls, and what calls it, transitively."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from topology.errors import UsageError
from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.jsonable import as_dict
from topology.queries.numbers import EdgeNumbers


class Direction(enum.Enum):
    """Which way to follow the calls."""

    DOWN = "down"
    UP = "up"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class Dependency:
    """A service reached from the one asked about; `edge` is set for direct neighbours."""

    name: str
    hops: int
    via: str
    kind: NodeKind
    virtual: bool
    owner: str | None
    edge: EdgeNumbers | None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class DepsResult:
    """The downstream and upstream of a service, nearest first."""

    service: str
    direction: Direction
    depth: int | None
    downstream: tuple[Dependency, ...]
    upstream: tuple[Dependency, ...]
    self_calls: EdgeNumbers | None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def dependencies(
    graph: ServiceGraph,
    service: str,
    *,
    direction: Direction = Direction.BOTH,
    depth: int | None = None,
    catalog: Catalog | None = None,
) -> DepsResult:
    """The services `service` reaches (down) or is reached from (up), within `depth` hops."""
    name = graph.resolve(service)
    if depth is not None and depth < 1:
        raise UsageError(f"depth must be at least 1, not {depth}")
    owners = catalog or Catalog()
    down: tuple[Dependency, ...] = ()
    up: tuple[Dependency, ...] = ()
    if direction in (Direction.DOWN, Direction.BOTH):
        down = _entries(graph, name, _walk(graph.digraph.succ, name, depth), owners, down=True)
    if direction in (Direction.UP, Direction.BOTH):
        up = _entries(graph, name, _walk(graph.digraph.pred, name, depth), owners, down=False)
    loop = graph.edge(name, name)
    return DepsResult(
        name, direction, depth, down, up, EdgeNumbers.of(loop) if loop is not None else None
    )


def _walk(adjacency: Any, start: str, depth: int | None) -> dict[str, tuple[int, str]]:  # noqa: ANN401
    """Breadth-first: each node found with its hops and the smallest-named node one hop back."""
    found: dict[str, tuple[int, str]] = {}
    frontier = [start]
    hops = 0
    while frontier and (depth is None or hops < depth):
        hops += 1
        reached = []
        for via in sorted(frontier):
            for name in adjacency[via]:
                if name != start and name not in found:
                    found[name] = (hops, via)
                    reached.append(name)
        frontier = reached
    return found


def _entries(
    graph: ServiceGraph, service: str, found: dict[str, tuple[int, str]], catalog: Catalog,
    *, down: bool,
) -> tuple[Dependency, ...]:
    entries = []
    for name, (hops, via) in sorted(found.items(), key=lambda item: (item[1][0], item[0])):
        node = graph.node(name)
        stats = None
        if hops == 1:
            stats = graph.edge(service, name) if down else graph.edge(name, service)
        entries.append(Dependency(
            name, hops, via, node.kind, node.virtual, catalog.owner_name(name),
            EdgeNumbers.of(stats) if stats is not None else None,
        ))
    return tuple(entries)
