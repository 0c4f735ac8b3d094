"""Who is hit when a service fails, how hard, and which teams own them."""

from __future__ import annotations

from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.contacts import TeamContact, TeamServices, contact_of, group_owned
from topology.queries.jsonable import as_dict
from topology.queries.ranking import rank
from topology.queries.reach import reach_by_number


@dataclass(slots=True)  # not frozen: a large blast radius makes thousands, and frozen is slow
class Affected:
    """A transitive caller of the failed service and the share of its requests that reach it."""

    name: str
    hops: int
    share: float
    direct_calls: int | None
    owner: str | None
    kind: NodeKind
    virtual: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data: `as_dict`'s, written out (a large answer has thousands)."""
        return {
            "name": self.name,
            "hops": self.hops,
            "share": self.share,
            "direct_calls": self.direct_calls,
            "owner": self.owner,
            "kind": self.kind.value,
            "virtual": self.virtual,
        }


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
    index = graph.index
    hops, share = reach_by_number(index, [index.ids[failed]])
    direct = {}
    for caller in graph.callers(failed):
        stats = graph.edge(caller, failed)
        if stats is not None:
            direct[caller] = stats.calls
    ranked = rank(index, hops, share)
    owner_name = catalog.owners.get
    upstream = tuple(
        map(
            Affected,
            ranked.names,
            ranked.hops,
            ranked.shares,
            map(direct.get, ranked.names),  # only the direct callers, one hop away, are in it
            map(owner_name, ranked.names),
            ranked.kinds,
            ranked.virtual,
        )
    )
    return BlastResult(
        failed,
        contact_of(catalog, failed),
        upstream,
        group_owned(zip(ranked.by_name, map(owner_name, ranked.by_name), strict=True), catalog),
    )
