"""Share equations read their callees' shares as a tuple, however many callees there are."""

from operator import mul

from topology.queries.share_rows import reader, row_of

from .factories import graph_of


def test_a_reader_gives_a_tuple_of_the_values_at_its_places_in_order():
    values = [0.5, 0.25, 1.0, 0.125]

    assert reader([3, 0, 2])(values) == (0.125, 0.5, 1.0)
    assert reader([1])(values) == (0.25,)
    assert reader([])(values) == ()


def test_a_row_adds_its_callees_shares_by_its_weights_in_callee_order():
    graph = graph_of(("a", "b", 1), ("a", "c", 3), ("a", "a", 5))
    ids = graph.index.ids
    share = [0.0, 0.5, 1.0]

    node, weights, read = row_of(graph.index, ids["a"])

    assert node == ids["a"]
    assert sum(map(mul, weights, read(share))) == 0.25 * 0.5 + 0.75 * 1.0
