"""The store's side of the caps on new names: which names and edges it holds, what was refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from bot.adapters.store.inserts import insert_for
from bot.adapters.store.schema import (
    edge_buckets,
    edge_days,
    edge_hours,
    log_templates,
    metric_names,
    name_drops,
    nodes,
)
from topology.cardinality import Admission, Drops, Edge
from topology.name_sieve import offer_of, offer_of_services, sift, sift_by_service

if TYPE_CHECKING:
    from topology.model import Call, Served

_NAMES_PER_QUERY = 5_000
_EDGES_PER_QUERY = 2_000
"""Two bound parameters an edge: well under the bound parameters SQLite allows."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Refused:
    """Per source and reason: the names refused, the calls and requests lost, when last."""

    source: str
    reason: str
    names: int
    items: int
    last_at: int

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "source": self.source,
            "reason": self.reason,
            "names": self.names,
            "calls": self.items,
            "last_at": self.last_at,
        }


def admitted(
    connection: Connection,
    calls: Sequence[Call],
    served: Sequence[Served],
    admit: Admission,
    *,
    now_s: int,
) -> tuple[Sequence[Call], Sequence[Served], Drops]:
    """The calls and served requests whose names and edges `admit` lets in, and the drops."""
    gate, source = admit.gate, admit.source
    offer = offer_of(calls, served)
    names = known_names(connection, gate.unfamiliar_names(source, offer))
    edges = known_edges(connection, gate.unfamiliar_edges(source, offer, names))
    verdict = gate.judge(
        source, offer, stored_names=names, stored_edges=edges, now_s=now_s, rate=admit.rate
    )
    if not verdict:
        return calls, served, Drops()
    kept_calls, kept_served, lost = sift(calls, served, verdict)
    return kept_calls, kept_served, gate.tally(source, verdict, lost)


def admitted_services(
    connection: Connection,
    items: Sequence[T],
    service_of: Callable[[T], str | None],
    admit: Admission,
    *,
    now_s: int,
) -> tuple[Sequence[T], Drops]:
    """The items (spans, log records, metric points) whose service `admit` lets in, and the drops.

    Each item's service reports itself, so a new one counts against the cap of services.
    A service is known when it is a node of the map or has log templates or metric names.
    """
    gate, source = admit.gate, admit.source
    offer = offer_of_services(service for service in map(service_of, items) if service is not None)
    names = known_services(connection, gate.unfamiliar_names(source, offer))
    verdict = gate.judge(
        source, offer, stored_names=names, stored_edges=(), now_s=now_s, rate=admit.rate
    )
    if not verdict:
        return items, Drops()
    kept, lost = sift_by_service(items, service_of, verdict)
    return kept, gate.tally(source, verdict, lost)


def known_services(connection: Connection, names: Sequence[str]) -> set[str]:
    """The names among `names` that are nodes of the map or services with logs or metrics."""
    found = known_names(connection, names)
    for column in (log_templates.c.service, metric_names.c.service):
        wanted = [name for name in names if name not in found]
        for begin in range(0, len(wanted), _NAMES_PER_QUERY):
            chunk = wanted[begin : begin + _NAMES_PER_QUERY]
            query = select(column).where(column.in_(chunk)).distinct()
            found.update(connection.execute(query).scalars())
    return found


def known_names(connection: Connection, names: Sequence[str]) -> set[str]:
    """The names among `names` that are nodes of the map."""
    found: set[str] = set()
    for begin in range(0, len(names), _NAMES_PER_QUERY):
        chunk = names[begin : begin + _NAMES_PER_QUERY]
        found.update(
            connection.execute(select(nodes.c.name).where(nodes.c.name.in_(chunk))).scalars()
        )
    return found


def known_edges(connection: Connection, edges: Sequence[Edge]) -> set[Edge]:
    """The edges among `edges` that have a bucket in any tier."""
    found: set[Edge] = set()
    for table in (edge_buckets, edge_hours, edge_days):
        wanted = [edge for edge in edges if edge not in found]
        for begin in range(0, len(wanted), _EDGES_PER_QUERY):
            chunk = wanted[begin : begin + _EDGES_PER_QUERY]
            pair = tuple_(table.c.parent, table.c.child)
            query = select(table.c.parent, table.c.child).where(pair.in_(chunk)).distinct()
            found.update((parent, child) for parent, child in connection.execute(query))
    return found


def add_drops(connection: Connection, source: str, drops: Drops, *, now_s: int) -> None:
    """Add what the caps refused of one batch onto the source's counts."""
    reasons = sorted(set(drops.names) | set(drops.items))
    rows = [
        {
            "source": source,
            "reason": reason,
            "names": drops.names[reason],
            "items": drops.items[reason],
            "last_at": now_s,
        }
        for reason in reasons
    ]
    if not rows:
        return
    statement = insert_for(connection, name_drops)
    new, old = statement.excluded, name_drops.c
    summed = {key: old[key] + new[key] for key in ("names", "items")}
    upsert = statement.on_conflict_do_update(
        index_elements=["source", "reason"], set_=summed | {"last_at": new.last_at}
    )
    connection.execute(upsert, rows)


def refused(connection: Connection) -> list[Refused]:
    """Every source's counts of what the caps refused, by source and reason."""
    query = select(name_drops).order_by(name_drops.c.source, name_drops.c.reason)
    return [Refused(*row) for row in connection.execute(query)]
