import json

import pytest

from topology.errors import UnknownServiceError
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.blast import blast_radius
from topology.queries.reach import prepare

from .factories import catalog, graph_of, stats

NOBODY = Catalog()


def shares(result):
    return {entry.name: pytest.approx(entry.share) for entry in result.upstream}


def test_everything_upstream_of_a_chain_sends_all_its_traffic_into_the_failure():
    graph = graph_of(("a", "b"), ("b", "c"))

    result = blast_radius(graph, "c", NOBODY)

    assert [(e.name, e.hops, e.share) for e in result.upstream] == [("b", 1, 1.0), ("a", 2, 1.0)]


def test_a_caller_loses_the_part_of_its_calls_that_leads_to_the_failure():
    graph = graph_of(("web", "payment", 30), ("web", "search", 70))

    [web] = blast_radius(graph, "payment", NOBODY).upstream

    assert web.share == pytest.approx(0.3)
    assert web.direct_calls == 30


def test_shares_follow_call_proportions_through_several_hops():
    graph = graph_of(
        ("edge", "api", 80),
        ("edge", "static", 20),
        ("api", "db", 25),
        ("api", "cache", 75),
    )

    result = blast_radius(graph, "db", NOBODY)

    assert shares(result) == {"api": 0.25, "edge": 0.8 * 0.25}
    assert [entry.direct_calls for entry in result.upstream] == [25, None]


def test_in_a_diamond_both_paths_add_up():
    graph = graph_of(
        ("top", "left", 50),
        ("top", "right", 50),
        ("left", "bottom", 10),
        ("left", "other", 30),
        ("right", "bottom", 10),
    )

    assert shares(blast_radius(graph, "bottom", NOBODY)) == {
        "right": 1.0,
        "left": 0.25,
        "top": 0.5 * 0.25 + 0.5 * 1.0,
    }


def test_in_a_cycle_the_shares_are_the_fixed_point():
    # a = 1/2 (failed) + 1/2 b, b = 1/2 a + 1/2 (leaf): a = 2/3, b = 1/3.
    graph = graph_of(("a", "failed", 10), ("a", "b", 10), ("b", "a", 5), ("b", "leaf", 5))

    assert shares(blast_radius(graph, "failed", NOBODY)) == {"a": 2 / 3, "b": 1 / 3}


def test_the_failed_services_own_self_loop_and_callees_do_not_count():
    graph = graph_of(("web", "db"), ("db", "db"), ("db", "disk"))

    result = blast_radius(graph, "db", NOBODY)

    assert [entry.name for entry in result.upstream] == ["web"]


def test_a_callers_self_loop_does_not_dilute_its_share():
    graph = graph_of(("web", "web", 1000), ("web", "db", 10))

    [web] = blast_radius(graph, "db", NOBODY).upstream

    assert web.share == 1.0


def test_a_service_in_a_cycle_with_the_failure_is_upstream_but_the_failure_is_not():
    graph = graph_of(("a", "b"), ("b", "a"))

    result = blast_radius(graph, "a", NOBODY)

    assert [(entry.name, entry.share) for entry in result.upstream] == [("b", 1.0)]


def test_the_hardest_hit_come_first_then_the_nearest_then_by_name():
    graph = graph_of(
        ("x", "failed", 1),
        ("x", "elsewhere", 1),
        ("b", "failed"),
        ("a", "failed"),
        ("c", "a"),
    )

    result = blast_radius(graph, "failed", NOBODY)

    assert [entry.name for entry in result.upstream] == ["a", "b", "c", "x"]


def test_affected_teams_are_grouped_and_the_failed_services_owner_stands_apart():
    graph = graph_of(("web", "api"), ("mobile", "api"), ("api", "db"), ("batch", "db"))
    owners = catalog(
        {"web": "frontend", "mobile": "frontend", "api": "core", "db": "data"},
        channels={"frontend": "#frontend", "data": "#data-oncall"},
        keys={"data": "secret-routing-key"},
    )

    result = blast_radius(graph, "db", owners)

    assert result.owner is not None
    assert (result.owner.name, result.owner.slack_channel, result.owner.pageable) == (
        "data",
        "#data-oncall",
        True,
    )
    assert [(t.team, t.slack_channel, t.services) for t in result.teams] == [
        ("core", None, ("api",)),
        ("frontend", "#frontend", ("mobile", "web")),
        (None, None, ("batch",)),
    ]
    assert result.teams[-1].label == "unowned"
    assert [entry.owner for entry in result.upstream if entry.name == "batch"] == [None]


def test_a_service_nobody_calls_has_an_empty_blast_radius():
    result = blast_radius(graph_of(("a", "b")), "a", NOBODY)

    assert result.upstream == ()
    assert result.teams == ()
    assert result.owner is None


def test_a_misspelled_service_raises_with_suggestions():
    with pytest.raises(UnknownServiceError) as caught:
        blast_radius(graph_of(("web", "payment")), "paymnt", NOBODY)

    assert caught.value.suggestions == ["payment"]


def test_the_result_turns_into_json_without_the_paging_key():
    graph = graph_of(("web", "db"))
    owners = catalog({"web": "w", "db": "d"}, keys={"d": "secret-routing-key"})

    data = blast_radius(graph, "db", owners).to_dict()

    text = json.dumps(data)
    assert "secret-routing-key" not in text
    assert json.loads(text) == data
    assert data["teams"][0]["label"] == "w"
    assert data["owner"]["pageable"] is True


def per_request_graph(requests):
    edges = [
        stats("frontend", "checkout", 82),
        stats("frontend", "catalog", 400),
        stats("checkout", "payment", 82),
        stats("checkout", "cart", 164),
        stats("cart", "redis", 500),
    ]
    return ServiceGraph.build(edges, requests=requests)


def test_with_requests_known_a_share_is_the_part_of_requests_that_reach_the_failure():
    graph = per_request_graph({"frontend": 300, "checkout": 82, "cart": 164})

    assert shares(blast_radius(graph, "payment", NOBODY)) == {
        "checkout": 1.0,  # every checkout request calls payment once
        "frontend": 82 / 300,  # the requests that went through checkout
    }


def test_several_calls_per_request_cap_the_share_at_all_requests():
    graph = per_request_graph({"frontend": 300, "checkout": 82, "cart": 164})

    assert shares(blast_radius(graph, "redis", NOBODY))["cart"] == 1.0


def test_a_caller_without_traced_requests_falls_back_to_its_call_proportions():
    graph = per_request_graph({"checkout": 82})

    assert shares(blast_radius(graph, "payment", NOBODY))["frontend"] == 82 / 482


def test_preparing_the_cycle_solvers_up_front_changes_no_answer():
    edges = [("a", "b", 5), ("b", "c", 5), ("c", "a", 2), ("c", "db", 9), ("b", "db", 1)]
    cold = blast_radius(graph_of(*edges), "db", NOBODY)
    warm_graph = graph_of(*edges)
    prepare(warm_graph)

    assert blast_radius(warm_graph, "db", NOBODY) == cold
