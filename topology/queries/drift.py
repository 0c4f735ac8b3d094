"""Where the catalog's declared dependencies and the traffic of a window disagree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.jsonable import as_dict


@dataclass(frozen=True, slots=True)
class UnseenDependency:
    """A declared dependency no call went along; `caller_active`: the caller made other calls."""

    parent: str
    child: str
    child_kind: NodeKind | None
    caller_active: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class UndeclaredCall:
    """Calls along an edge that the caller's catalog entry does not declare."""

    parent: str
    child: str
    calls: int
    errors: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class UnjudgedCaller:
    """A caller whose dependencies the catalog does not declare, and what it called.

    `owned` says whether the catalog knows the caller's owner at least.
    """

    service: str
    owned: bool
    callees: tuple[str, ...]
    calls: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class DriftResult:
    """Declared but unseen, seen but undeclared, and traffic the catalog cannot judge.

    `services` and `declared` count the services whose dependencies the catalog declares,
    and the dependencies they declare.
    """

    services: int
    declared: int
    unseen: tuple[UnseenDependency, ...]
    undeclared: tuple[UndeclaredCall, ...]
    unjudged: tuple[UnjudgedCaller, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def drift(graph: ServiceGraph, catalog: Catalog) -> DriftResult:
    """Compare `catalog`'s declared dependencies with the calls in `graph`.

    Only edges with calls count as traffic. A call from a service to itself is not a
    dependency, so it is never reported as undeclared.
    """
    seen = {(edge.parent, edge.child): edge for edge in graph.edges() if edge.calls > 0}
    active = {parent for parent, _ in seen}
    declared = catalog.depends_on
    unseen = [
        UnseenDependency(parent, child, catalog.kinds.get(child), parent in active)
        for parent, children in declared.items()
        for child in children
        if (parent, child) not in seen
    ]
    undeclared: list[UndeclaredCall] = []
    unjudged: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for (parent, child), edge in seen.items():
        if parent == child:
            continue
        if parent not in declared:
            unjudged[parent].append((child, edge.calls))
        elif child not in declared[parent]:
            undeclared.append(UndeclaredCall(parent, child, edge.calls, edge.errors))
    callers = [
        UnjudgedCaller(
            service,
            service in catalog.owners,
            tuple(sorted(child for child, _ in called)),
            sum(calls for _, calls in called),
        )
        for service, called in unjudged.items()
    ]
    return DriftResult(
        services=len(declared),
        declared=sum(len(children) for children in declared.values()),
        unseen=tuple(sorted(unseen, key=lambda u: (u.parent, u.child))),
        undeclared=tuple(sorted(undeclared, key=lambda u: (-u.calls, u.parent, u.child))),
        unjudged=tuple(sorted(callers, key=lambda c: (-c.calls, c.service))),
    )
