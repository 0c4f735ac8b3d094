from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.picture import build_dot, overview
from topology.stats import EdgeStats


def edge(parent, child, calls):
    return EdgeStats(parent=parent, child=child, calls=calls)


def test_the_overview_draws_every_wanted_name_walked_from_the_busiest():
    graph = ServiceGraph.build([edge("a", "b", 10), edge("b", "c", 50), edge("x", "y", 1)])
    found = overview(graph, graph.names())
    assert found is not None
    assert found.focus == "b"
    assert {node.name for node in found.nodes} == {"a", "b", "c", "x", "y"}


def test_the_overview_of_names_not_on_the_map_is_none():
    graph = ServiceGraph.build([edge("a", "b", 10)])
    assert overview(graph, ["nobody"]) is None


def test_a_picture_names_its_node_ids():
    graph = ServiceGraph.build([edge("a", "b", 10)])
    found = overview(graph, graph.names())
    assert found is not None
    picture = build_dot(
        found, focus="", catalog=Catalog(), alerting=set(), window_seconds=None, title="t"
    )
    assert sorted(picture.names) == ["a", "b"]
    for number, name in enumerate(picture.names):
        assert f'n{number} [label="{name}"' in picture.dot
