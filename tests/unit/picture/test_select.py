from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.picture.select import select
from topology.stats import Node

from .factories import chain, edge, star


def names_of(selection):
    return [node.name for node in selection.nodes]


def test_a_small_graph_is_drawn_whole_with_nothing_left_out():
    selection = select(chain("a", "b", "c"), "b")

    assert names_of(selection)[0] == "b"
    assert set(names_of(selection)) == {"a", "b", "c"}
    assert len(selection.edges) == 2
    assert not selection.omitted


def test_the_node_budget_keeps_the_busiest_neighbours_and_notes_the_rest():
    selection = select(star(100), "hub", node_budget=11)

    assert names_of(selection) == ["hub", *(f"s{i:03d}" for i in range(99, 89, -1))]
    assert selection.omitted.nodes == 90
    assert selection.omitted.edges == 90
    assert selection.omitted.biggest == ("s089", "s088", "s087", "s086", "s085")


def test_nearer_nodes_come_before_busier_far_ones():
    graph = ServiceGraph.build(
        [edge("focus", "near", 1), edge("near", "far", 1_000), edge("other", "far", 1_000)],
        [Node(name) for name in ("focus", "near", "far", "other")],
    )

    selection = select(graph, "focus", node_budget=3)

    assert names_of(selection) == ["focus", "near", "far"]
    assert selection.omitted.biggest == ("other",)


def test_callers_count_as_near_as_callees():
    graph = ServiceGraph.build(
        [edge("caller", "focus", 50), edge("focus", "callee", 5)],
        [Node(name) for name in ("caller", "focus", "callee")],
    )

    assert names_of(select(graph, "focus", node_budget=2)) == ["focus", "caller"]


def test_the_edge_budget_keeps_edges_that_tie_nodes_to_the_focus_first():
    graph = ServiceGraph.build(
        [edge("f", "a", 1), edge("f", "b", 1), edge("a", "b", 1_000)],
        [Node(name) for name in ("f", "a", "b")],
    )

    selection = select(graph, "f", edge_budget=2)

    assert {(e.parent, e.child) for e in selection.edges} == {("f", "a"), ("f", "b")}
    assert selection.omitted.edges == 1
    assert selection.omitted.nodes == 0


def test_interest_limits_the_candidates_to_a_query_answer():
    graph = chain("a", "b", "c", "d")

    selection = select(graph, "b", interest={"c", "d", "unknown"})

    assert names_of(selection) == ["b", "c", "d"]
    assert not selection.omitted


def test_interest_not_connected_to_the_focus_is_still_a_candidate():
    graph = ServiceGraph.build(
        [edge("f", "a"), edge("x", "y", 99)], [Node(n) for n in ("f", "a", "x", "y")]
    )

    selection = select(graph, "f", interest={"a", "x", "y"}, node_budget=3)

    assert names_of(selection)[:2] == ["f", "a"]
    assert selection.omitted.nodes == 1


def test_the_focus_is_resolved_case_insensitively():
    assert select(chain("Web", "api"), "web").focus == "Web"


def test_a_budget_below_one_still_draws_the_focus():
    selection = select(star(3), "hub", node_budget=0, edge_budget=0)

    assert names_of(selection) == ["hub"]
    assert selection.edges == ()
    assert selection.omitted.nodes == 3


@st.composite
def graphs_and_focus(draw):
    count = draw(st.integers(min_value=1, max_value=12))
    names = [f"s{i}" for i in range(count)]
    index = st.integers(min_value=0, max_value=count - 1)
    pairs = draw(
        st.lists(
            st.tuples(index, index, st.integers(min_value=0, max_value=50)),
            max_size=3 * count,
            unique_by=lambda pair: pair[:2],
        )
    )
    graph = ServiceGraph.build(
        [edge(names[a], names[b], calls) for a, b, calls in pairs], [Node(n) for n in names]
    )
    interest = draw(st.none() | st.sets(st.sampled_from(names)))
    return graph, draw(st.sampled_from(names)), interest


@settings(max_examples=200, deadline=None)
@given(
    graphs_and_focus(),
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=0, max_value=12),
)
def test_a_selection_never_exceeds_its_budgets_and_always_holds_the_focus(
    case, node_budget, edge_budget
):
    graph, focus, interest = case

    selection = select(
        graph, focus, interest=interest, node_budget=node_budget, edge_budget=edge_budget
    )

    drawn = names_of(selection)
    assert drawn[0] == focus
    assert len(drawn) <= node_budget
    assert len(set(drawn)) == len(drawn)
    assert len(selection.edges) <= edge_budget
    assert all(e.parent in drawn and e.child in drawn for e in selection.edges)
    candidates = {focus} | (set(interest) if interest is not None else set(drawn))
    if interest is not None:
        assert selection.omitted.nodes == len(candidates) - len(drawn)
    assert set(selection.omitted.biggest).isdisjoint(drawn)
