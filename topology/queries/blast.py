"""Who is hit when a service fails, how hard, and which teams own them."""

from __future__ import annotations

from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.contacts import TeamContact, TeamServices, contact_of, group_by_team
from topology.queries.jsonable import as_dict
from topology.queries.reach import reach


@dataclass(frozen=True, slots=True)
class Affected:
    """A transitive caller of the failed service and the share of its calls that reach it."""

    name: str
    hops: int
    share: float
    direct_calls: int | None
    owner: str | None
    kind: NodeKind
    virtual: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class BlastResult:
    """The blast radius of a failed service: hardest hit first, and the teams to tell."""

    service: str
    owner: TeamContact | None
    upstream: tuple[Affected, ...]
    teams: tuple[TeamServices, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def blast_radius(graph: ServiceGraph, service: str, catalog: Catalog) -> BlastResult:
    """Every service upstream of `service`, with the share of its requests that would fail."""
    failed = graph.resolve(service)
    found = reach(graph, [failed])
    direct = {caller: graph.edge(caller, failed) for caller in graph.callers(failed)}
    index = graph.index
    upstream = []
    for name, hops in found.hops.items():
        node = index.nodes[index.ids[name]]
        stats = direct.get(name) if hops == 1 else None
        upstream.append(
            Affected(
                name,
                hops,
                found.shares[name],
                stats.calls if stats is not None else None,
                catalog.owner_name(name),
                node.kind,
                node.virtual,
            )
        )
    upstream.sort(key=lambda entry: (-entry.share, entry.hops, entry.name))
    return BlastResult(
        failed, contact_of(catalog, failed), tuple(upstream), group_by_team(found.hops, catalog)
    )
