"""The breadth-first walk over callers: every caller at its fewest hops, never through `avoid`."""

import networkx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.queries import levels, reach
from topology.queries.reach import upstream_hops
from topology.stats import Node

from .factories import counted_calls, graph_of, stats


@st.composite
def graphs(draw, max_nodes=24):
    names, edges = draw(counted_calls(max_nodes, min_nodes=1))
    built = [stats(names[parent], names[child]) for parent, child, _ in edges]
    return ServiceGraph.build(built, [Node(name) for name in names])


def fewest_hops(graph, targets, closed):
    """Each caller's fewest hops to a target, by networkx over the calls reversed."""
    reversed_calls = networkx.DiGraph()
    reversed_calls.add_nodes_from(graph.names())
    for edge in graph.edges():
        if edge.parent not in closed:
            reversed_calls.add_edge(edge.child, edge.parent)
    found = networkx.multi_source_dijkstra_path_length(reversed_calls, set(targets))
    return {name: hops for name, hops in found.items() if name not in closed}


def packed(graph):
    """`graph` with its calls packed as arrays, as `prepare` packs a large map's."""
    index = graph.index
    index.memo[levels.ARRAYS_KEY] = (levels._pack(index.callees), levels._pack(index.callers))
    return graph


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_every_caller_is_found_at_its_fewest_hops_and_never_through_an_avoided_one(graph, data):
    """Walked one node at a time, or climbed in arrays from some level on."""
    names = graph.names()
    targets = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    avoided = data.draw(st.sets(st.sampled_from(names)))
    climb_from = data.draw(st.none() | st.integers(0, 6))  # None: not packed, walked plainly

    with pytest.MonkeyPatch.context() as patch:
        if climb_from is not None:
            patch.setattr(reach, "CLIMB_FROM", climb_from)
            graph = packed(graph)
        found = upstream_hops(graph, targets, avoid=avoided)

    assert found == fewest_hops(graph, targets, {*targets, *avoided})


def test_a_walk_goes_on_in_arrays_from_the_first_level_with_many_calls(monkeypatch):
    graph = graph_of(("b", "t"), ("a", "t"), ("c", "a"), ("d", "b"), ("a", "b"), ("e", "d"))
    climbed = []

    def climb(calls, frontier, seen, level):
        climbed.append((sorted(graph.index.names[n] for n in frontier), level))
        return levels.climb_in_arrays(calls, frontier, seen, level)

    monkeypatch.setattr(reach, "climb_in_arrays", climb)
    monkeypatch.setattr(reach, "CLIMB_FROM", 3)  # t has two callers, a and b three

    found = upstream_hops(packed(graph), ["t"])

    assert found == {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3}
    assert climbed == [(["a", "b"], 1)]
    assert upstream_hops(graph_of(("b", "t"), ("a", "t"), ("c", "a")), ["t"]) == {
        "a": 1,
        "b": 1,
        "c": 2,
    }  # not packed: walked plainly whatever the level


def test_a_service_nobody_calls_has_no_callers():
    assert upstream_hops(graph_of(("a", "b")), ["a"]) == {}


def test_a_walk_from_several_targets_avoiding_one_caller():
    graph = graph_of(("a", "b"), ("b", "c"), ("x", "c"), ("c", "a"))

    assert upstream_hops(graph, ["c", "b"]) == {"x": 1, "a": 1}
    assert upstream_hops(graph, ["c"], avoid=["x"]) == {"b": 1, "a": 2}
