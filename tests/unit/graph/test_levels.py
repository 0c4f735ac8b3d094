"""A walk in arrays reaches the nodes a plain walk reaches, at the same hops, by the same vias."""

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.queries import levels
from topology.queries.deps import Direction, dependencies
from topology.queries.levels import Walked, walk, walk_in_arrays, walk_plainly
from topology.queries.reach import prepare
from topology.stats import Node

from .factories import counted_calls, graph_of, stats


@st.composite
def graphs(draw, max_nodes=16):
    names, edges = draw(counted_calls(max_nodes, per_node=4))
    built = [stats(names[parent], names[child], calls) for parent, child, calls in edges]
    return ServiceGraph.build(built, [Node(name) for name in names])


def packed(adjacency):
    starts, targets, _sources = levels._pack(adjacency)
    return starts, targets


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_a_walk_in_arrays_is_the_plain_walk(graph, data):
    index = graph.index
    start = data.draw(st.integers(0, len(index.names) - 1))
    depth = data.draw(st.none() | st.integers(1, 6))

    for adjacency in (index.callees, index.callers):
        starts, targets = packed(adjacency)
        assert walk_in_arrays(starts, targets, start, depth) == walk_plainly(
            adjacency, start, depth
        )


@settings(max_examples=200, deadline=None)
@given(graphs(), st.data())
def test_a_plain_walk_finds_each_node_at_its_distance_by_its_first_via(graph, data):
    """networkx is the oracle of the hops; the via is the first node one hop nearer."""
    index = graph.index
    start = data.draw(st.integers(0, len(index.names) - 1))
    digraph = nx.DiGraph()
    digraph.add_nodes_from(range(len(index.names)))
    digraph.add_edges_from((n, c) for n, callees in enumerate(index.callees) for c in callees)
    distance = nx.single_source_shortest_path_length(digraph, start)

    found = walk_plainly(index.callees, start, None)

    assert dict(zip(found.numbers, found.hops, strict=True)) == {
        node: hops for node, hops in distance.items() if node != start
    }
    assert list(zip(found.hops, found.numbers, strict=True)) == sorted(
        zip(found.hops, found.numbers, strict=True)
    )
    for node, hops, via in zip(found.numbers, found.hops, found.vias, strict=True):
        nearer = [n for n in digraph.predecessors(node) if distance.get(n) == hops - 1]
        assert via == min(nearer)


def test_a_large_map_is_walked_in_arrays_and_a_small_one_plainly(monkeypatch):
    graph = graph_of(("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"))
    ids = graph.index.ids
    expected = Walked([1, 1, 2], [ids["b"], ids["c"], ids["d"]], [ids["a"], ids["a"], ids["c"]])
    prepare(graph)
    assert graph.index.memo[levels.ARRAYS_KEY] is False  # four calls: not packed
    calls = []
    monkeypatch.setattr(levels, "walk_in_arrays", lambda *args: calls.append(args) or expected)
    assert walk(graph.index, ids["a"], None, down=True) == expected
    assert calls == []

    monkeypatch.setattr(levels, "IN_ARRAYS_FROM", 4)
    large = graph_of(("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"))
    assert walk(large.index, ids["a"], None, down=True) == expected
    assert calls == []  # not prepared: a one-off question walks plainly
    prepare(large)

    assert walk(large.index, ids["a"], None, down=True) == expected
    assert walk(large.index, ids["a"], 2, down=True).numbers == expected.numbers
    assert len(calls) == 1  # two levels or fewer are walked plainly


@pytest.mark.parametrize("direction", list(Direction))
def test_dependencies_of_a_map_walked_in_arrays_are_those_walked_plainly(monkeypatch, direction):
    edges = [(f"s{i}", f"s{j}") for i in range(30) for j in range(i + 1, 30) if (i * j) % 7 < 2]
    edges += [("s29", "s3"), ("s17", "s1")]  # cycles
    plain = dependencies(graph_of(*edges), "s5", direction=direction)
    monkeypatch.setattr(levels, "IN_ARRAYS_FROM", 1)
    prepared = graph_of(*edges)
    prepare(prepared)
    assert prepared.index.memo[levels.ARRAYS_KEY]

    in_arrays = dependencies(prepared, "s5", direction=direction)

    assert in_arrays == plain
    assert plain.downstream or plain.upstream
