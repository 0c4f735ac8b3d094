from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.picture import select
from topology.picture.nearby import nearby, parts_of
from topology.stats import Node

from .factories import edge, star


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 25), st.integers(0, 25), st.integers(1, 9)),
        min_size=1,
        max_size=80,
    ),
    st.integers(0, 25),
    st.integers(1, 12),
    st.integers(0, 20),
    st.integers(0, 6),
)
def test_the_neighbourhood_is_what_select_picks_from_the_whole_map(
    calls, focus, node_budget, edge_budget, biggest
):
    edges = [edge(f"s{a:02d}", f"s{b:02d}", n) for a, b, n in calls]
    graph = ServiceGraph.build(edges, [Node("alone")])
    name = graph.names()[focus % len(graph)]
    budgets = {"node_budget": node_budget, "edge_budget": edge_budget, "biggest": biggest}

    assert nearby(graph, name, **budgets) == select(graph, name, **budgets)


def test_a_large_star_is_walked_one_step_and_counts_what_it_left_out():
    graph = star(500)
    found = nearby(graph, "hub", node_budget=10)

    assert [node.name for node in found.nodes][:3] == ["hub", "s499", "s498"]
    assert found.omitted.nodes == 491
    assert found.omitted.edges == 500 - len(found.edges)
    assert found.omitted.biggest == ("s490", "s489", "s488", "s487", "s486")


def test_the_parts_of_a_map_are_worked_out_once_and_kept():
    graph = ServiceGraph.build([edge("a", "b"), edge("c", "d"), edge("d", "c"), edge("e", "e")])
    parts = parts_of(graph)

    assert parts_of(graph) is parts
    assert parts.part["a"] == parts.part["b"] != parts.part["c"] == parts.part["d"]
    assert [parts.nodes[parts.part[name]] for name in "ace"] == [2, 2, 1]
    assert [parts.edges[parts.part[name]] for name in "ace"] == [1, 2, 1]
