"""Listing the stored edges, busiest first, on an in-memory map.

The use case takes the map (`MapStore`) and the window as arguments; here the map is
held in memory. The store's side is held by `tests/integration/test_fixture_links.py`
and the CLI's by `tests/e2e/test_cli.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.store.ports import MapStore
from bot.usecases.listing import busiest_edges, edge_to_dict
from bot.usecases.windows import Window
from topology.model import NodeKind
from topology.stats import EdgeStats, Node, ServiceStats

MINUTE = 60


@dataclass
class FakeMap:
    """Each edge's calls by the minute they were made (with their errors); each window read."""

    calls: list[tuple[int, str, str, int]] = field(default_factory=list)
    asked: list[tuple[int | None, int | None]] = field(default_factory=list)

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        self.asked.append((start_s, end_s))
        summed: dict[tuple[str, str], EdgeStats] = {}
        for at, parent, child, errors in self.calls:
            if (start_s is None or at >= start_s) and (end_s is None or at < end_s):
                edge = summed.setdefault((parent, child), EdgeStats(parent, child))
                edge.calls += 1
                edge.errors += errors
        return list(summed.values())

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        raise AssertionError(f"listing reads no services, not those of {start_s}..{end_s}")

    def nodes(self) -> list[Node]:
        return [Node(name) for name in sorted({n for _, *pair, _ in self.calls for n in pair})]

    def holds_buckets(self, start_s: int, end_s: int) -> bool:
        return any(start_s <= at < end_s for at, *_ in self.calls)

    def time_range(self) -> tuple[int, int] | None:
        starts = [at for at, *_ in self.calls]
        return (min(starts), max(starts)) if starts else None


def test_the_fake_is_the_port_the_use_case_reads() -> None:
    store: MapStore = FakeMap([(0, "web", "api", 0)])
    assert [(e.parent, e.child) for e in store.edges()] == [("web", "api")]


def test_the_busiest_edges_come_first_and_ties_by_their_names() -> None:
    store = FakeMap(
        [(0, "web", "api", 0)] * 2
        + [(0, "api", "db", 0)] * 5
        + [(0, "web", "search", 0)] * 2
        + [(0, "api", "cache", 0)] * 2
    )

    edges = busiest_edges(store, Window())

    assert [(e.parent, e.child, e.calls) for e in edges] == [
        ("api", "db", 5),
        ("api", "cache", 2),
        ("web", "api", 2),
        ("web", "search", 2),
    ]


def test_only_the_calls_of_the_window_are_listed() -> None:
    store = FakeMap([(0, "web", "api", 0), (MINUTE, "web", "api", 1), (2 * MINUTE, "api", "db", 0)])

    edges = busiest_edges(store, Window(MINUTE, 2 * MINUTE))

    assert [(e.parent, e.child, e.calls, e.errors) for e in edges] == [("web", "api", 1, 1)]
    assert store.asked == [(MINUTE, 2 * MINUTE)]
    assert busiest_edges(FakeMap(), Window()) == []


def test_an_edge_s_numbers_are_rounded_and_unmeasured_latency_is_none() -> None:
    measured = EdgeStats("web", "db", calls=3, errors=1, child_kind=NodeKind.DATABASE)
    for ms in (10.0, 20.0, 30.0):
        measured.latency.add(ms)

    found = edge_to_dict(measured)
    bare = edge_to_dict(EdgeStats("web", "api", calls=2))

    assert found["error_rate"] == 0.333333
    assert found["latency_avg_ms"] == 20.0
    assert found["child_kind"] == "database"
    assert found["latency_p50_ms"] == round(measured.latency.quantile_ms(0.5) or 0, 3)
    assert bare == {
        "parent": "web",
        "child": "api",
        "calls": 2,
        "errors": 0,
        "error_rate": 0.0,
        "latency_p50_ms": None,
        "latency_p95_ms": None,
        "latency_avg_ms": None,
        "child_kind": None,
    }
