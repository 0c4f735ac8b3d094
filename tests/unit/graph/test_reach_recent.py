"""Answers kept per graph and per set of targets: the same answers, a bounded number."""

from topology.queries import reach as reach_module
from topology.queries.blast import blast_radius
from topology.queries.reach import RECENT, RECENT_KEY, reach, reach_by_number

from .factories import catalog, graph_of

EDGES = [("a", "b", 5), ("b", "c", 5), ("c", "a", 2), ("c", "db", 9), ("b", "db", 1), ("x", "c")]
NOBODY = catalog({})


def test_asking_again_gives_the_same_answer_as_a_fresh_graph():
    graph = graph_of(*EDGES)
    first = blast_radius(graph, "db", NOBODY)
    blast_radius(graph, "c", NOBODY)

    again = blast_radius(graph, "db", NOBODY)

    assert again == first == blast_radius(graph_of(*EDGES), "db", NOBODY)
    assert reach(graph, ["db"]) == reach(graph_of(*EDGES), ["db"])


def test_answers_are_kept_by_the_set_of_targets_whatever_their_order():
    graph = graph_of(*EDGES)
    ids = graph.index.ids

    one = reach_by_number(graph.index, [ids["db"], ids["c"]])
    other = reach_by_number(graph.index, [ids["c"], ids["db"]])
    alone = reach_by_number(graph.index, [ids["db"]])

    assert other is one
    assert alone is not one
    assert alone[0] != one[0]


def test_no_more_than_recent_answers_are_kept_and_the_oldest_goes_first(monkeypatch):
    calls = []
    real = reach_module._upstream

    def counted(index, targets, closed):
        calls.append(tuple(targets))
        return real(index, targets, closed)

    monkeypatch.setattr(reach_module, "_upstream", counted)
    names = [f"s{i}" for i in range(RECENT + 1)]
    graph = graph_of(*((name, "db") for name in names))
    ids = graph.index.ids
    for name in names:
        reach_by_number(graph.index, [ids[name]])
    kept = graph.index.memo[RECENT_KEY]

    reach_by_number(graph.index, [ids[names[-1]]])  # still kept
    reach_by_number(graph.index, [ids[names[0]]])  # the oldest, forgotten

    assert len(kept._answers) == RECENT
    assert len(calls) == RECENT + 2
    assert calls[-1] == (ids[names[0]],)
