"""Who owns a service and its direct neighbours."""

from __future__ import annotations

from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.contacts import TeamContact, contact_of
from topology.queries.jsonable import as_dict


@dataclass(frozen=True, slots=True)
class ServiceOwner:
    """A service and the team owning it (None when unowned)."""

    service: str
    team: TeamContact | None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class OwnersResult:
    """The owner of a service, and the owners of what it calls and what calls it."""

    service: str
    team: TeamContact | None
    callers: tuple[ServiceOwner, ...]
    callees: tuple[ServiceOwner, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def owners(graph: ServiceGraph, service: str, catalog: Catalog) -> OwnersResult:
    """Who owns `service`, and who owns its direct callers and callees."""
    name = graph.resolve(service)
    return OwnersResult(
        name,
        contact_of(catalog, name),
        tuple(ServiceOwner(other, contact_of(catalog, other)) for other in graph.callers(name)),
        tuple(ServiceOwner(other, contact_of(catalog, other)) for other in graph.callees(name)),
    )
