import json

import pytest

from topology.errors import UnknownServiceError, UsageError
from topology.model import NodeKind
from topology.queries.deps import Direction, dependencies
from topology.stats import Node

from .factories import catalog, graph_of


def names_and_hops(entries):
    return [(entry.name, entry.hops) for entry in entries]


def test_downstream_of_a_chain_is_everything_it_calls_transitively():
    graph = graph_of(("a", "b"), ("b", "c"), ("c", "d"))

    result = dependencies(graph, "a", direction=Direction.DOWN)

    assert names_and_hops(result.downstream) == [("b", 1), ("c", 2), ("d", 3)]
    assert result.upstream == ()


def test_upstream_of_a_chain_is_everything_that_calls_it_transitively():
    graph = graph_of(("a", "b"), ("b", "c"), ("c", "d"))

    result = dependencies(graph, "d", direction=Direction.UP)

    assert names_and_hops(result.upstream) == [("c", 1), ("b", 2), ("a", 3)]
    assert [entry.via for entry in result.upstream] == ["d", "c", "b"]
    assert result.downstream == ()


def test_both_directions_are_answered_together():
    graph = graph_of(("a", "b"), ("b", "c"))

    result = dependencies(graph, "b", direction=Direction.BOTH)

    assert names_and_hops(result.downstream) == [("c", 1)]
    assert names_and_hops(result.upstream) == [("a", 1)]


def test_depth_limits_how_many_hops_are_followed():
    graph = graph_of(("a", "b"), ("b", "c"), ("c", "d"))

    result = dependencies(graph, "a", direction=Direction.DOWN, depth=2)

    assert names_and_hops(result.downstream) == [("b", 1), ("c", 2)]


def test_a_depth_below_one_is_a_usage_error():
    graph = graph_of(("a", "b"))

    with pytest.raises(UsageError):
        dependencies(graph, "a", direction=Direction.DOWN, depth=0)


def test_in_a_diamond_the_far_corner_is_two_hops_via_the_smallest_named_side():
    graph = graph_of(("top", "right"), ("top", "left"), ("left", "bottom"), ("right", "bottom"))

    result = dependencies(graph, "top", direction=Direction.DOWN)

    assert [(e.name, e.hops, e.via) for e in result.downstream] == [
        ("left", 1, "top"),
        ("right", 1, "top"),
        ("bottom", 2, "left"),
    ]


def test_a_shortcut_makes_a_service_one_hop_away_even_if_a_longer_path_exists():
    graph = graph_of(("a", "b"), ("b", "c"), ("a", "c"))

    result = dependencies(graph, "a", direction=Direction.DOWN)

    assert names_and_hops(result.downstream) == [("b", 1), ("c", 1)]


def test_a_cycle_back_to_the_service_does_not_list_the_service_itself():
    graph = graph_of(("a", "b"), ("b", "c"), ("c", "a"))

    result = dependencies(graph, "a", direction=Direction.BOTH)

    assert names_and_hops(result.downstream) == [("b", 1), ("c", 2)]
    assert names_and_hops(result.upstream) == [("c", 1), ("b", 2)]


def test_a_self_loop_is_reported_as_self_calls_not_as_a_dependency():
    graph = graph_of(("a", "a", 42), ("a", "b"))

    result = dependencies(graph, "a", direction=Direction.BOTH)

    assert names_and_hops(result.downstream) == [("b", 1)]
    assert result.upstream == ()
    assert result.self_calls is not None
    assert result.self_calls.calls == 42


def test_without_a_self_loop_self_calls_is_none():
    result = dependencies(graph_of(("a", "b")), "a", direction=Direction.DOWN)

    assert result.self_calls is None


def test_direct_neighbours_carry_their_edge_numbers_and_farther_ones_do_not():
    graph = graph_of(("a", "b", 200), ("b", "c", 50))

    result = dependencies(graph, "a", direction=Direction.DOWN)

    first, second = result.downstream
    assert first.edge is not None
    assert (first.edge.calls, first.edge.errors, first.edge.error_rate) == (200, 0, 0.0)
    assert second.edge is None


def test_upstream_neighbours_carry_the_numbers_of_their_call_into_the_service():
    graph = graph_of(("a", "b", 7))

    [entry] = dependencies(graph, "b", direction=Direction.UP).upstream

    assert entry.edge is not None
    assert entry.edge.calls == 7


def test_entries_tell_kind_virtual_and_owner():
    graph = graph_of(
        ("api", "orders-db"), nodes=[Node("orders-db", NodeKind.DATABASE, virtual=True)]
    )
    owners = catalog({"api": "web"})

    [entry] = dependencies(graph, "api", direction=Direction.DOWN, catalog=owners).downstream

    assert (entry.kind, entry.virtual, entry.owner) == (NodeKind.DATABASE, True, None)
    [caller] = dependencies(graph, "orders-db", direction=Direction.UP, catalog=owners).upstream
    assert caller.owner == "web"


def test_a_misspelled_service_raises_with_suggestions():
    graph = graph_of(("checkout", "payment"))

    with pytest.raises(UnknownServiceError) as caught:
        dependencies(graph, "chekout", direction=Direction.DOWN)

    assert caught.value.suggestions == ["checkout"]


def test_the_answer_is_named_after_the_resolved_service():
    result = dependencies(graph_of(("Checkout", "payment")), "checkout")

    assert result.service == "Checkout"


def test_the_result_turns_into_json():
    graph = graph_of(("a", "a"), ("a", "b"), ("b", "c"))

    data = dependencies(graph, "a", direction=Direction.BOTH, depth=3).to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["direction"] == "both"
    assert data["downstream"][0]["kind"] == "service"
    assert data["downstream"][0]["edge"]["calls"] == 10
