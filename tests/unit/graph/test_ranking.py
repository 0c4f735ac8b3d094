"""Ranking in arrays gives the plain ranking; large answers come out the same either way."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.queries import ranking
from topology.queries.blast import blast_radius
from topology.queries.ranking import rank, rank_in_arrays, rank_plainly
from topology.stats import Node

from .factories import catalog, counted_calls, graph_of, stats

SHARES = st.sampled_from([0.0, 0.125, 0.5, 1 / 3, 1.0])  # few values: many ties


@st.composite
def graphs(draw, max_nodes=16):
    """Maps with cycles, self-loops, fan-in, virtual nodes and kinds, and their call counts."""
    names, edges = draw(counted_calls(max_nodes, min_edges=1))
    kinds = draw(st.lists(st.sampled_from(NodeKind), min_size=len(names), max_size=len(names)))
    given_nodes = draw(st.sets(st.sampled_from(names)))  # the others are virtual
    built = [
        stats(names[parent], names[child], calls, kind=kinds[child])
        for parent, child, calls in edges
    ]
    return ServiceGraph.build(built, [Node(name) for name in sorted(given_nodes)])


@st.composite
def graphs_and_answers(draw):
    graph = draw(graphs())
    size = len(graph.index.names)
    chosen = draw(st.lists(st.integers(0, size - 1), unique=True))
    hops = {node: draw(st.integers(1, 3)) for node in chosen}
    share = draw(st.lists(SHARES, min_size=size, max_size=size))
    return graph, hops, share


@settings(max_examples=300, deadline=None)
@given(graphs_and_answers())
def test_ranking_in_arrays_gives_exactly_the_plain_ranking(case):
    graph, hops, share = case

    assert rank_in_arrays(graph.index, hops, share) == rank_plainly(graph.index, hops, share)


def test_the_hardest_hit_come_first_then_the_nearest_then_by_name():
    graph = graph_of(("a", "x"), ("b", "x"), ("c", "x"), ("d", "x"))
    ids = graph.index.ids
    hops = {ids["d"]: 1, ids["c"]: 2, ids["b"]: 1, ids["a"]: 1}
    share = [0.5, 0.5, 1.0, 0.5, 0.0]

    for ranked in (
        rank_plainly(graph.index, hops, share),
        rank_in_arrays(graph.index, hops, share),
    ):
        assert ranked.names == ["c", "a", "b", "d"]
        assert ranked.hops == [2, 1, 1, 1]
        assert ranked.by_name == ["a", "b", "c", "d"]


def test_only_large_answers_are_ranked_in_arrays(monkeypatch):
    graph = graph_of(("a", "x"), ("b", "x"))
    ids = graph.index.ids
    used = []
    monkeypatch.setattr(ranking, "IN_ARRAYS_FROM", 2)
    monkeypatch.setattr(ranking, "rank_in_arrays", lambda *args: used.append(args))

    rank(graph.index, {ids["a"]: 1}, [0.5, 0.5, 1.0])
    rank(graph.index, {ids["a"]: 1, ids["b"]: 1}, [0.5, 0.5, 1.0])

    assert len(used) == 1


@settings(max_examples=150, deadline=None)
@given(graphs(), st.data())
def test_a_blast_radius_is_the_same_ranked_in_arrays(graph, data):
    failed = data.draw(st.sampled_from(graph.names()))
    owners = catalog({name: f"team-{len(name) % 2}" for name in graph.names()[::2]})
    plain = blast_radius(graph, failed, owners)
    fresh = ServiceGraph.build(graph.edges(), [graph.node(name) for name in graph.names()])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ranking, "IN_ARRAYS_FROM", 0)
        in_arrays = blast_radius(fresh, failed, owners)

    assert in_arrays == plain
    assert json.dumps(in_arrays.to_dict()) == json.dumps(plain.to_dict())
