"""The compiled breadth-first walk finds what the plain one finds, in the same order."""

from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.queries import walk
from topology.queries.walk import upstream, upstream_compiled, upstream_plainly
from topology.stats import Node

from .factories import graph_of, stats


@st.composite
def graphs(draw, max_nodes=24):
    count = draw(st.integers(min_value=1, max_value=max_nodes))
    names = [f"s{number:02d}" for number in range(count)]
    node = st.integers(min_value=0, max_value=count - 1)
    edges = draw(
        st.lists(st.tuples(node, node), max_size=4 * count, unique=True)  # self-loops too
    )
    built = [stats(names[parent], names[child]) for parent, child in edges]
    return ServiceGraph.build(built, [Node(name) for name in names])


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_the_compiled_walk_finds_every_caller_at_the_same_hops_in_the_same_order(graph):
    index = graph.index
    for target in range(len(index.names)):
        plain = upstream_plainly(index, [target], {target})
        compiled = upstream_compiled(index, target)

        assert list(compiled.items()) == list(plain.items())


def test_a_service_nobody_calls_has_no_callers_either_way():
    graph = graph_of(("a", "b"))
    a = graph.index.ids["a"]

    assert upstream_compiled(graph.index, a) == {} == upstream_plainly(graph.index, [a], {a})


def test_a_large_map_walks_one_target_compiled_and_several_plainly(monkeypatch):
    graph = graph_of(("a", "b"), ("b", "c"), ("x", "c"), ("c", "a"))
    ids = graph.index.ids
    used = []
    monkeypatch.setattr(walk, "COMPILED_FROM", 1)
    monkeypatch.setattr(walk, "upstream_compiled", lambda *args: used.append(args) or {})

    upstream(graph.index, [ids["c"]], {ids["c"]})
    several = upstream(graph.index, [ids["c"], ids["b"]], {ids["c"], ids["b"]})
    avoiding = upstream(graph.index, [ids["c"]], {ids["c"], ids["x"]})

    assert len(used) == 1
    assert several == {ids["x"]: 1, ids["a"]: 1}
    assert avoiding == {ids["b"]: 1, ids["a"]: 2}


def test_the_callers_matrix_is_made_once_per_graph():
    graph = graph_of(("a", "b"), ("c", "b"))

    matrix = walk.callers_matrix(graph.index)

    assert walk.callers_matrix(graph.index) is matrix
    assert matrix.toarray().tolist() == [[0, 0, 0], [1, 0, 1], [0, 0, 0]]
