"""What a service calls, and what calls it, transitively."""

from __future__ import annotations

import enum
from bisect import bisect_right
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter

from topology.errors import UsageError
from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.jsonable import as_dict
from topology.queries.levels import Walked, walk
from topology.queries.numbers import EdgeNumbers
from topology.stats import EdgeStats


class Direction(enum.Enum):
    """Which way to follow the calls."""

    DOWN = "down"
    UP = "up"
    BOTH = "both"


@dataclass(slots=True)  # not frozen: a deep walk makes thousands, and frozen is slow
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
        """Plain JSON-able data: `as_dict`'s, written out (a deep walk has thousands)."""
        return {
            "name": self.name,
            "hops": self.hops,
            "via": self.via,
            "kind": self.kind.value,
            "virtual": self.virtual,
            "owner": self.owner,
            "edge": None if self.edge is None else self.edge.to_dict(),
        }


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
    index = graph.index
    start = index.ids[name]
    down: tuple[Dependency, ...] = ()
    up: tuple[Dependency, ...] = ()
    if direction in (Direction.DOWN, Direction.BOTH):
        down = _entries(graph, name, walk(index, start, depth, down=True), owners, down=True)
    if direction in (Direction.UP, Direction.BOTH):
        up = _entries(graph, name, walk(index, start, depth, down=False), owners, down=False)
    loop = graph.edge(name, name)
    return DepsResult(
        service=name,
        direction=direction,
        depth=depth,
        downstream=down,
        upstream=up,
        self_calls=EdgeNumbers.of(loop) if loop is not None else None,
    )


def _entries(
    graph: ServiceGraph,
    service: str,
    found: Walked,
    catalog: Catalog,
    *,
    down: bool,
) -> tuple[Dependency, ...]:
    """The entries of a walk, built column by column: a deep walk makes thousands."""
    if not found.numbers:
        return ()
    names, nodes = graph.index.names, graph.index.nodes
    hops, numbers, vias = found.hops, found.numbers, found.vias
    named = list(map(names.__getitem__, numbers))
    reached = list(map(nodes.__getitem__, numbers))
    direct = bisect_right(hops, 1)  # nearest first: the direct neighbours lead
    edges: list[EdgeNumbers | None] = [
        _numbers(graph.edge(service, name) if down else graph.edge(name, service))
        for name in named[:direct]
    ]
    edges.extend(repeat(None, len(named) - direct))
    return tuple(
        map(
            Dependency,
            named,
            hops,
            map(names.__getitem__, vias),
            map(_KIND, reached),
            map(_VIRTUAL, reached),
            map(catalog.owners.get, named),
            edges,
        )
    )


def _numbers(stats: EdgeStats | None) -> EdgeNumbers | None:
    return EdgeNumbers.of(stats) if stats is not None else None


_KIND = attrgetter("kind")
_VIRTUAL = attrgetter("virtual")
