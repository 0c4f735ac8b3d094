"""Calls and served requests summed into per-minute buckets, ready to store."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from topology.model import Call, NodeKind, Served
from topology.stats import LATENCY_BOUNDS_MS, EdgeStats, Node, ServiceStats

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


def aggregate(calls: Iterable[Call], served: Iterable[Served], *, now_s: int) -> Aggregate:
    """Sum calls per edge and minute, and served requests per service and minute."""
    summing = Summing(now_s=now_s)
    summing.add(calls, served)
    return summing.result()


class Summing:
    """`aggregate` of batches added one after another, holding only the sums."""

    def __init__(self, *, now_s: int) -> None:
        self._result = Aggregate()
        self._sightings = _Sightings(self._result.node_seen)
        self._now_s = now_s

    def add(self, calls: Iterable[Call], served: Iterable[Served]) -> None:
        """Add a batch's calls and served requests to the sums."""
        result, sightings = self._result, self._sightings
        _sum_calls(result.edges, calls, sightings, self._now_s)
        _sum_served(result.services, served, sightings, self._now_s)

    def result(self) -> Aggregate:
        """The sums of every batch added so far, and the nodes they touch."""
        self._result.nodes.update(self._sightings.nodes())
        return self._result


def _sum_calls(
    edges: dict[tuple[str, str, int], EdgeStats],
    calls: Iterable[Call],
    sightings: _Sightings,
    now_s: int,
) -> None:
    # A million calls pass here: `Latency.add` is written out, and a call's best latency
    # (its server side, else its client side) reuses that side's bucket.
    local, kinds, service = sightings.local, sightings.kinds, NodeKind.SERVICE
    bounds = LATENCY_BOUNDS_MS
    for call in calls:
        start_us = call.start_us
        seconds = start_us // 1_000_000 if start_us else now_s
        minute = seconds - seconds % BUCKET_SECONDS
        parent, child = call.parent, call.child
        key = (parent, child, minute)
        stats = edges.get(key)
        if stats is None:
            stats = edges[key] = EdgeStats(parent, child, child_kind=call.child_kind)
            sightings.note(parent, minute)  # a later call on the same key adds no sighting
            sightings.note(child, minute)
        stats.calls += 1
        stats.errors += call.error
        server_us, client_us = call.server_us, call.client_us
        if server_us is not None:
            server_ms = server_us / _US_PER_MS
            index = bisect_left(bounds, server_ms)
            best = stats.latency
            best.histogram[index] += 1
            best.sum_ms += server_ms
            best.count += 1
            side = stats.server
            side.histogram[index] += 1
            side.sum_ms += server_ms
            side.count += 1
        if client_us is not None:
            client_ms = client_us / _US_PER_MS
            index = bisect_left(bounds, client_ms)
            if server_us is None:
                best = stats.latency
                best.histogram[index] += 1
                best.sum_ms += client_ms
                best.count += 1
            side = stats.client
            side.histogram[index] += 1
            side.sum_ms += client_ms
            side.count += 1
        if call.parent_local:
            local.add(parent)
        if call.child_local:
            local.add(child)
        if (hint := call.parent_kind) is not None and hint is not service:
            kinds[parent] = hint
        if (hint := call.child_kind) is not None and hint is not service:
            kinds[child] = hint


def _sum_served(
    services: dict[tuple[str, int], ServiceStats],
    served: Iterable[Served],
    sightings: _Sightings,
    now_s: int,
) -> None:
    bounds = LATENCY_BOUNDS_MS
    for request in served:
        start_us = request.start_us
        seconds = start_us // 1_000_000 if start_us else now_s
        minute = seconds - seconds % BUCKET_SECONDS
        name = request.service
        key = (name, minute)
        health = services.get(key)
        if health is None:
            health = services[key] = ServiceStats(name)
            sightings.note(name, minute)
            sightings.local.add(name)
        health.requests += 1
        health.errors += request.error
        duration_us = request.duration_us
        if duration_us is not None:
            duration_ms = duration_us / _US_PER_MS
            latency = health.latency
            latency.histogram[bisect_left(bounds, duration_ms)] += 1
            latency.sum_ms += duration_ms
            latency.count += 1


class _Sightings:
    """What `Aggregate.see` keeps, gathered more cheaply and turned into nodes at the end.

    A node is virtual until seen local; its kind is the last hint other than a plain
    service; its seen range is widened by every sighting.
    """

    def __init__(self, seen: dict[str, tuple[int, int]]) -> None:
        self.seen = seen
        self.local: set[str] = set()
        self.kinds: dict[str, NodeKind] = {}

    def note(self, name: str, minute: int) -> None:
        """Note a node seen at `minute`."""
        known = self.seen.get(name)
        if known is None:
            self.seen[name] = (minute, minute)
        elif minute < known[0] or minute > known[1]:
            self.seen[name] = (min(known[0], minute), max(known[1], minute))

    def nodes(self) -> dict[str, Node]:
        """The nodes noted, in the order first seen."""
        kinds, local = self.kinds, self.local
        return {
            name: Node(name, kinds.get(name, NodeKind.SERVICE), name not in local)
            for name in self.seen
        }
