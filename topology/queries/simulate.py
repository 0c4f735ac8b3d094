"""What taking services down would do, and whom to tell beforehand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from topology.errors import UsageError
from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.contacts import UNOWNED, channel_of, team_order
from topology.queries.jsonable import as_dict
from topology.queries.reach import reach, upstream_hops


@dataclass(frozen=True, slots=True)
class Impact:
    """A service that calls, transitively, some of the services taken down."""

    name: str
    reaches: tuple[str, ...]
    share: float
    hops: int
    owner: str | None
    kind: NodeKind
    virtual: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class TeamNotice:
    """A team to tell (None: nobody owns these), with its affected and downed services."""

    team: str | None
    slack_channel: str | None
    affected: tuple[str, ...]
    down: tuple[str, ...]

    @property
    def label(self) -> str:
        """The team name, or "unowned"."""
        return self.team or UNOWNED

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data, with the label."""
        return {**as_dict(self), "label": self.label}


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """The services hit by taking `down` offline, hardest hit first; `unused` have no callers."""

    down: tuple[str, ...]
    affected: tuple[Impact, ...]
    unused: tuple[str, ...]
    teams_to_tell: tuple[TeamNotice, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def simulate_down(
    graph: ServiceGraph, services: Sequence[str], catalog: Catalog
) -> SimulationResult:
    """The impact of taking `services` down together."""
    if not services:
        raise UsageError("name at least one service to take down")
    down = tuple(dict.fromkeys(graph.resolve(service) for service in services))
    found = reach(graph, down)
    reaches: defaultdict[str, list[str]] = defaultdict(list)
    for downed in down:
        for name in upstream_hops(graph, [downed], avoid=down):
            reaches[name].append(downed)
    affected = []
    for name, hops in found.hops.items():
        node = graph.node(name)
        affected.append(
            Impact(
                name=name,
                reaches=tuple(sorted(reaches[name])),
                share=found.shares[name],
                hops=hops,
                owner=catalog.owner_name(name),
                kind=node.kind,
                virtual=node.virtual,
            )
        )
    affected.sort(key=lambda entry: (-entry.share, entry.hops, entry.name))
    unused = tuple(sorted(name for name in down if not graph.callers(name)))
    return SimulationResult(down, tuple(affected), unused, _notices(found.hops, down, catalog))


def _notices(
    affected: Iterable[str], down: Iterable[str], catalog: Catalog
) -> tuple[TeamNotice, ...]:
    hit: defaultdict[str | None, list[str]] = defaultdict(list)
    taken: defaultdict[str | None, list[str]] = defaultdict(list)
    for name in affected:
        hit[catalog.owner_name(name)].append(name)
    for name in down:
        taken[catalog.owner_name(name)].append(name)
    return tuple(
        TeamNotice(
            team, channel_of(catalog, team), tuple(sorted(hit[team])), tuple(sorted(taken[team]))
        )
        for team in sorted(hit.keys() | taken.keys(), key=team_order)
    )
