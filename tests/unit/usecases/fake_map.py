"""A map store in memory, for the use cases that read the map of a window."""

from __future__ import annotations

from dataclasses import dataclass, field

from topology.stats import EdgeStats, Node, ServiceStats


@dataclass
class FakeMap:
    """A `MapStore` in memory: each edge's calls by the minute they were made."""

    calls: list[tuple[int, str, str]] = field(default_factory=list)

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        summed: dict[tuple[str, str], EdgeStats] = {}
        for _at, parent, child in self._within(start_s, end_s):
            edge = summed.setdefault((parent, child), EdgeStats(parent, child))
            edge.calls += 1
            edge.latency.add(10.0)
        return sorted(summed.values(), key=lambda e: (e.parent, e.child))

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        served: dict[str, ServiceStats] = {}
        for _, _, child in self._within(start_s, end_s):
            served.setdefault(child, ServiceStats(child)).requests += 1
        return sorted(served.values(), key=lambda s: s.service)

    def nodes(self) -> list[Node]:
        return [Node(name) for name in sorted({n for _, *pair in self.calls for n in pair})]

    def holds_buckets(self, start_s: int, end_s: int) -> bool:
        return any(True for _ in self._within(start_s, end_s))

    def time_range(self) -> tuple[int, int] | None:
        starts = [at for at, _, _ in self.calls]
        return (min(starts), max(starts)) if starts else None

    def _within(self, start_s: int | None, end_s: int | None) -> list[tuple[int, str, str]]:
        return [
            call
            for call in self.calls
            if (start_s is None or call[0] >= start_s) and (end_s is None or call[0] < end_s)
        ]

    def edge_calls(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        return self.edges(start_s, end_s)
