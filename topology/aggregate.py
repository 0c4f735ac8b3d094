"""Calls and served requests summed into per-minute buckets, ready to store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from topology.model import Call, NodeKind, Served
from topology.stats import EdgeStats, Node, ServiceStats

BUCKET_SECONDS = 60
_US_PER_MS = 1_000.0


def minute_of(start_us: int | None, now_s: int) -> int:
    """The start of the minute bucket a span falls in; spans without time count now."""
    seconds = start_us // 1_000_000 if start_us else now_s
    return seconds - seconds % BUCKET_SECONDS


@dataclass(slots=True)
class Aggregate:
    """Per-minute sums of a batch of calls, and the nodes they touch."""

    edges: dict[tuple[str, str, int], EdgeStats] = field(default_factory=dict)
    services: dict[tuple[str, int], ServiceStats] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    node_seen: dict[str, tuple[int, int]] = field(default_factory=dict)

    def see(self, name: str, kind: NodeKind | None, *, local: bool, minute: int) -> None:
        """Note a node seen at `minute`; the most specific kind hint wins."""
        known = self.nodes.get(name)
        virtual = not local and (known is None or known.virtual)
        if kind is None or kind is NodeKind.SERVICE:
            kind = known.kind if known else NodeKind.SERVICE
        self.nodes[name] = Node(name, kind, virtual)
        first, last = self.node_seen.get(name, (minute, minute))
        self.node_seen[name] = (min(first, minute), max(last, minute))


def aggregate(calls: Iterable[Call], served: Iterable[Served], *, now_s: int) -> Aggregate:
    """Sum calls per edge and minute, and served requests per service and minute."""
    result = Aggregate()
    edges = result.edges
    for call in calls:
        minute = minute_of(call.start_us, now_s)
        key = (call.parent, call.child, minute)
        stats = edges.get(key)
        if stats is None:
            stats = edges[key] = EdgeStats(call.parent, call.child, child_kind=call.child_kind)
        stats.calls += 1
        stats.errors += call.error
        best_us = call.server_us if call.server_us is not None else call.client_us
        if best_us is not None:
            stats.latency.add(best_us / _US_PER_MS)
        if call.client_us is not None:
            stats.client.add(call.client_us / _US_PER_MS)
        if call.server_us is not None:
            stats.server.add(call.server_us / _US_PER_MS)
        result.see(call.parent, call.parent_kind, local=call.parent_local, minute=minute)
        result.see(call.child, call.child_kind, local=call.child_local, minute=minute)

    services = result.services
    for request in served:
        minute = minute_of(request.start_us, now_s)
        service_key = (request.service, minute)
        health = services.get(service_key)
        if health is None:
            health = services[service_key] = ServiceStats(request.service)
        health.requests += 1
        health.errors += request.error
        if request.duration_us is not None:
            health.latency.add(request.duration_us / _US_PER_MS)
        result.see(request.service, None, local=True, minute=minute)
    return result
