"""The breadth-first walk over callers: every caller at its fewest hops, never through `closed`."""

import networkx
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.queries.walk import upstream
from topology.stats import Node

from .factories import counted_calls, graph_of, stats


@st.composite
def graphs(draw, max_nodes=24):
    names, edges = draw(counted_calls(max_nodes, min_nodes=1))
    built = [stats(names[parent], names[child]) for parent, child, _ in edges]
    return ServiceGraph.build(built, [Node(name) for name in names])


def fewest_hops(index, targets, closed):
    """Each caller's fewest hops to a target, by networkx over the calls reversed."""
    reversed_calls = networkx.DiGraph()
    reversed_calls.add_nodes_from(range(len(index.names)))
    for child, callers in enumerate(index.callers):
        for parent in callers:
            if parent not in closed:
                reversed_calls.add_edge(child, parent)
    found = networkx.multi_source_dijkstra_path_length(reversed_calls, set(targets))
    return {node: hops for node, hops in found.items() if node not in closed}


@settings(max_examples=200, deadline=None)
@given(graphs(), st.data())
def test_every_caller_is_found_at_its_fewest_hops_and_never_through_a_closed_node(graph, data):
    index = graph.index
    every = range(len(index.names))
    targets = data.draw(st.lists(st.sampled_from(every), min_size=1, unique=True))
    avoided = data.draw(st.sets(st.sampled_from(every)))

    found = upstream(index, targets, {*targets, *avoided})

    assert found == fewest_hops(index, targets, {*targets, *avoided})


def test_callers_come_in_the_order_the_walk_finds_them():
    graph = graph_of(("b", "t"), ("a", "t"), ("c", "a"), ("d", "b"), ("a", "b"))
    ids, names = graph.index.ids, graph.index.names
    t = ids["t"]

    found = upstream(graph.index, [t], {t})

    assert [(names[node], hops) for node, hops in found.items()] == [
        ("a", 1),
        ("b", 1),
        ("c", 2),
        ("d", 2),
    ]


def test_a_service_nobody_calls_has_no_callers():
    graph = graph_of(("a", "b"))
    a = graph.index.ids["a"]

    assert upstream(graph.index, [a], {a}) == {}


def test_a_walk_from_several_targets_avoiding_one_caller():
    graph = graph_of(("a", "b"), ("b", "c"), ("x", "c"), ("c", "a"))
    ids = graph.index.ids

    several = upstream(graph.index, [ids["c"], ids["b"]], {ids["c"], ids["b"]})
    avoiding = upstream(graph.index, [ids["c"]], {ids["c"], ids["x"]})

    assert several == {ids["x"]: 1, ids["a"]: 1}
    assert avoiding == {ids["b"]: 1, ids["a"]: 2}
