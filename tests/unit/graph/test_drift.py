"""The drift between the catalog's declared dependencies and the traffic of a window."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.drift import drift

from .factories import stats


def graph(*edges):
    return ServiceGraph.build(edges)


CATALOG = Catalog(
    owners={"web": "front", "batch": "data"},
    depends_on={"web": ("api", "search", "db"), "api": ("db",)},
    kinds={"db": NodeKind.DATABASE},
)


def test_declared_dependencies_without_calls_are_reported_with_what_the_callee_is():
    result = drift(graph(stats("web", "api", 5), stats("api", "db", 9)), CATALOG)

    assert [(u.parent, u.child, u.child_kind, u.caller_active) for u in result.unseen] == [
        ("web", "db", NodeKind.DATABASE, True),
        ("web", "search", None, True),
    ]
    assert result.undeclared == ()
    assert (result.services, result.declared) == (2, 4)


def test_a_declaring_service_that_made_no_calls_at_all_is_flagged_as_inactive():
    result = drift(graph(stats("web", "api", 5)), CATALOG)

    assert [(u.parent, u.caller_active) for u in result.unseen if u.parent == "api"] == [
        ("api", False)
    ]


def test_calls_a_declaring_service_makes_beyond_its_declaration_are_undeclared_busiest_first():
    traffic = graph(
        stats("web", "api", 5),
        stats("web", "legacy", 3, errors=1),
        stats("web", "cache", 40),
        stats("api", "db", 9),
    )

    result = drift(traffic, CATALOG)

    assert [(u.parent, u.child, u.calls, u.errors) for u in result.undeclared] == [
        ("web", "cache", 40, 0),
        ("web", "legacy", 3, 1),
    ]


def test_traffic_from_services_that_declare_nothing_is_summarised_per_caller():
    traffic = graph(
        stats("batch", "db", 7),
        stats("batch", "api", 3),
        stats("stranger", "api", 20),
        stats("web", "api", 1),
    )

    result = drift(traffic, CATALOG)

    assert [(c.service, c.owned, c.callees, c.calls) for c in result.unjudged] == [
        ("stranger", False, ("api",), 20),
        ("batch", True, ("api", "db"), 10),
    ]


def test_a_service_calling_itself_is_not_an_undeclared_dependency():
    result = drift(graph(stats("web", "web", 50), stats("stranger", "stranger", 5)), CATALOG)

    assert result.undeclared == ()
    assert result.unjudged == ()


def test_an_edge_with_no_calls_is_not_traffic():
    result = drift(graph(stats("web", "api", 0), stats("web", "cache", 0)), CATALOG)

    assert ("web", "api") in {(u.parent, u.child) for u in result.unseen}
    assert result.undeclared == ()


def test_with_no_declarations_every_caller_is_unjudged_and_nothing_is_unseen():
    result = drift(graph(stats("a", "b", 1)), Catalog(owners={"a": "t"}))

    assert (result.services, result.declared, result.unseen, result.undeclared) == (0, 0, (), ())
    assert [c.service for c in result.unjudged] == ["a"]


def test_the_answer_is_plain_json():
    data = drift(graph(stats("web", "cache", 4)), CATALOG).to_dict()

    assert json.loads(json.dumps(data))["unseen"][0] == {
        "parent": "api",
        "child": "db",
        "child_kind": "database",
        "caller_active": False,
    }


names = st.sampled_from(["a", "b", "c", "d", "e"])
edges = st.lists(st.tuples(names, names, st.integers(0, 50)), max_size=15)
declarations = st.dictionaries(
    names, st.lists(names, max_size=4).map(lambda xs: tuple(dict.fromkeys(xs)))
)


@given(edges, declarations)
def test_every_call_and_every_declaration_lands_in_exactly_one_place(found, declared):
    traffic = graph(*(stats(parent, child, calls) for parent, child, calls in found))
    catalog = Catalog(depends_on=declared)
    seen = {(e.parent, e.child): e.calls for e in traffic.edges() if e.calls > 0}

    result = drift(traffic, catalog)

    unseen = {(u.parent, u.child) for u in result.unseen}
    undeclared = {(u.parent, u.child) for u in result.undeclared}
    pairs = {(p, c) for p, children in declared.items() for c in children}
    assert unseen == pairs - seen.keys()
    assert undeclared == {
        (p, c) for p, c in seen if p != c and p in declared and c not in declared[p]
    }
    judged_out = {c.service: c.calls for c in result.unjudged}
    expected: dict[str, int] = {}
    for (p, c), calls in seen.items():
        if p != c and p not in declared:
            expected[p] = expected.get(p, 0) + calls
    assert judged_out == expected
    assert result.declared == len(pairs)
