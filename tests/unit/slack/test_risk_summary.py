"""The Slack summary of `risk`: names from traces are escaped, lists are cut short."""

from bot.render.templating import render_slack
from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.burn import Burn
from topology.queries.risk import RiskLimits, weak_points
from topology.stats import EdgeStats, Node

EVIL = "<!channel> *pay*`me`"


def _answer() -> dict[str, object]:
    edges = [EdgeStats("web", EVIL, calls=10), EdgeStats(EVIL, "db", calls=10)]
    nodes = [Node("web"), Node(EVIL), Node("db", NodeKind.DATABASE, virtual=True)]
    graph = ServiceGraph.build(edges, nodes, {"web": 10})
    burn = Burn(EVIL, "errors", 3_600, 300, 14.4, 20.0, 30.0, 100, None)
    found = weak_points(graph, Catalog(), {"web": 10}, limits=RiskLimits(), burning=[burn])
    return {"question": "risk", **found.to_dict()}


def test_a_hostile_name_cannot_mention_or_format() -> None:
    shown = render_slack("slack/risk.md.j2", _answer())

    assert "<!channel>" not in shown
    assert "&lt;!channel&gt;" in shown
    assert "`me`" not in shown
    assert "*Weak points of the map*" in shown
    assert "errors 20.0x" in shown


def test_nothing_found_says_so() -> None:
    graph = ServiceGraph.build([], [], {})
    found = weak_points(graph, Catalog(), {})

    shown = render_slack("slack/risk.md.j2", {"question": "risk", **found.to_dict()})

    assert "no single point of failure at 50.0% of entry traffic" in shown
    assert "0 call cycles, 0 fan-in hotspots." in shown
