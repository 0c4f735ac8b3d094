"""The terminal text of `risk`: every part it found, cut where lists run long."""

from bot.render.templating import render
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.burn import Burn
from topology.queries.risk import RiskLimits, weak_points
from topology.stats import EdgeStats, Node


def _text(found: dict[str, object]) -> str:
    texts = {"window_text": {"window": "the last day", "before": "before", "after": "after"}}
    return render("cli/risk.txt.j2", {**found, **texts})


def test_cycles_hotspots_and_burns_are_listed() -> None:
    ring = [f"ring-{n:02d}" for n in range(12)]
    edges = [EdgeStats("web", ring[0], calls=10)]
    edges += [EdgeStats(a, b, calls=10) for a, b in zip(ring, ring[1:] + ring[:1], strict=True)]
    edges += [EdgeStats(name, "db", calls=10) for name in ring[:6]]
    graph = ServiceGraph.build(edges, [Node(n) for n in ["web", *ring]], {"web": 10})
    burn = Burn("db", "latency", 3_600, 300, 14.4, 30.0, 40.0, 500, "data")

    found = weak_points(graph, Catalog(), {"web": 10}, limits=RiskLimits(limit=3), burning=[burn])
    shown = _text(found.to_dict())

    assert "12 services: ring-00, ring-01" in shown
    assert "... 2 more" in shown
    assert "Fan-in hotspots" in shown
    assert "db" in shown
    assert "Budgets burning" in shown
    assert "latency" in shown
    assert "more might, ranking below those listed: not checked" in shown


def test_a_map_without_entries_says_so() -> None:
    found = weak_points(ServiceGraph.build([], [], {}), Catalog(), {})

    shown = _text(found.to_dict())

    assert "No entry services (services nobody calls) served requests" in shown
    assert "No error or latency budget burning" in shown
