import pytest

from topology.errors import UnknownServiceError
from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.stats import Node

from .factories import graph_of, stats


def test_names_only_seen_in_edges_become_virtual_nodes_of_the_callee_kind():
    graph = ServiceGraph.build(
        [stats("api", "orders-db", kind=NodeKind.DATABASE), stats("api", "auth")],
        [Node("api")],
    )

    assert graph.node("api") == Node("api")
    assert graph.node("orders-db") == Node("orders-db", NodeKind.DATABASE, virtual=True)
    assert graph.node("auth") == Node("auth", NodeKind.SERVICE, virtual=True)


def test_a_given_node_wins_over_what_the_edges_suggest():
    graph = ServiceGraph.build(
        [stats("api", "cache", kind=NodeKind.DATABASE)], [Node("cache", NodeKind.SERVICE)]
    )

    assert graph.node("cache") == Node("cache", NodeKind.SERVICE, virtual=False)


def test_nodes_without_edges_are_kept():
    graph = ServiceGraph.build([], [Node("lonely")])

    assert graph.names() == ("lonely",)
    assert graph.callers("lonely") == ()


def test_repeated_edges_add_up_without_changing_the_input():
    first, second = stats("a", "b", calls=3, errors=1), stats("a", "b", calls=4)

    graph = ServiceGraph.build([first, second])

    merged = graph.edge("a", "b")
    assert merged is not None
    assert (merged.calls, merged.errors) == (7, 1)
    assert (first.calls, second.calls) == (3, 4)


def test_edge_is_none_when_there_is_no_such_call():
    graph = graph_of(("a", "b"))

    assert graph.edge("b", "a") is None
    assert graph.edge("nope", "a") is None


def test_callers_callees_and_out_calls_leave_the_self_loop_out():
    graph = graph_of(("a", "a", 100), ("a", "c", 3), ("a", "b", 2), ("z", "a", 1))

    assert graph.callees("a") == ("b", "c")
    assert graph.callers("a") == ("z",)
    assert graph.out_calls("a") == 5


def test_resolve_prefers_the_exact_name_then_a_unique_case_insensitive_one():
    graph = graph_of(("Checkout", "payment"), ("checkout", "payment"))

    assert graph.resolve("Checkout") == "Checkout"
    assert graph.resolve("PAYMENT") == "payment"


def test_resolve_lists_every_candidate_when_the_case_is_ambiguous():
    graph = graph_of(("Checkout", "payment"), ("checkout", "payment"))

    with pytest.raises(UnknownServiceError) as caught:
        graph.resolve("CHECKOUT")

    assert caught.value.suggestions == ["Checkout", "checkout"]


def test_a_misspelled_name_is_answered_with_close_names():
    graph = graph_of(("frontend", "payment"), ("frontend", "shipping"))

    with pytest.raises(UnknownServiceError) as caught:
        graph.resolve("paymnet")

    assert caught.value.name == "paymnet"
    assert caught.value.suggestions == ["payment"]
    assert "did you mean payment?" in str(caught.value)


def test_a_partial_name_is_answered_with_names_containing_it():
    graph = graph_of(("web", "payment-gateway"), ("web", "payment-ledger"), ("web", "cart"))

    with pytest.raises(UnknownServiceError) as caught:
        graph.resolve("pay")

    assert set(caught.value.suggestions) == {"payment-gateway", "payment-ledger"}


def test_suggestions_are_capped():
    graph = graph_of(*[("web", f"svc-{number}") for number in range(20)])

    with pytest.raises(UnknownServiceError) as caught:
        graph.resolve("svc-")

    assert 0 < len(caught.value.suggestions) <= 6


def test_a_name_nothing_resembles_gets_no_suggestions():
    graph = graph_of(("web", "cart"))

    with pytest.raises(UnknownServiceError) as caught:
        graph.resolve("zzzzzzzz")

    assert caught.value.suggestions == []


def test_asking_for_an_unknown_node_is_an_unknown_service_error():
    graph = graph_of(("web", "cart"))

    with pytest.raises(UnknownServiceError):
        graph.node("carts")
    with pytest.raises(UnknownServiceError):
        graph.callers("carts")


def test_the_index_numbers_nodes_in_name_order_and_splits_calls_by_proportion():
    graph = graph_of(("b", "c", 3), ("b", "a", 1), ("b", "b", 50))
    index = graph.index

    assert index.names == ("a", "b", "c")
    callee_weights = dict(zip(index.callees[1], index.weights[1], strict=True))
    assert callee_weights == {0: 0.25, 2: 0.75}


def test_a_node_whose_edges_count_no_calls_splits_evenly():
    graph = graph_of(("a", "b", 0), ("a", "c", 0))

    assert graph.index.weights[graph.index.ids["a"]] == (0.5, 0.5)
