import json

import pytest

from topology.errors import UnknownServiceError, UsageError
from topology.ownership import Catalog
from topology.queries.blast import blast_radius
from topology.queries.simulate import simulate_down

from .factories import catalog, graph_of

NOBODY = Catalog()


def test_taking_one_service_down_hits_what_blast_radius_names_with_the_same_shares():
    graph = graph_of(
        ("edge", "api", 80), ("edge", "static", 20), ("api", "db", 25), ("api", "cache", 75)
    )

    simulated = simulate_down(graph, ["db"], NOBODY)
    blast = blast_radius(graph, "db", NOBODY)

    assert [(i.name, i.share, i.hops) for i in simulated.affected] == [
        (e.name, e.share, e.hops) for e in blast.upstream
    ]
    assert all(impact.reaches == ("db",) for impact in simulated.affected)


def test_services_calling_several_downed_ones_add_up_their_shares():
    graph = graph_of(("web", "search", 20), ("web", "cart", 30), ("web", "static", 50))

    [web] = simulate_down(graph, ["search", "cart"], NOBODY).affected

    assert web.share == pytest.approx(0.5)
    assert web.reaches == ("cart", "search")
    assert web.hops == 1


def test_a_downed_service_is_never_listed_as_affected():
    graph = graph_of(("web", "api"), ("api", "db"))

    result = simulate_down(graph, ["api", "db"], NOBODY)

    assert [impact.name for impact in result.affected] == ["web"]
    assert result.affected[0].reaches == ("api",)


def test_a_downed_service_reached_only_through_another_downed_one_is_not_in_reaches():
    graph = graph_of(("web", "api"), ("api", "db"), ("batch", "db"))

    result = simulate_down(graph, ["api", "db"], NOBODY)

    assert {impact.name: impact.reaches for impact in result.affected} == {
        "web": ("api",),
        "batch": ("db",),
    }


def test_downed_services_nobody_calls_are_reported_as_unused():
    graph = graph_of(("web", "api"), ("old-report", "db"), ("lonely", "lonely"))

    result = simulate_down(graph, ["old-report", "api", "lonely"], NOBODY)

    assert result.unused == ("lonely", "old-report")


def test_the_teams_to_tell_are_those_of_the_affected_and_of_the_downed_services():
    graph = graph_of(("web", "api"), ("mobile", "api"), ("cron", "api"))
    owners = catalog(
        {"web": "frontend", "mobile": "apps", "api": "core"},
        channels={"frontend": "#frontend", "core": "#core"},
    )

    result = simulate_down(graph, ["api"], owners)

    assert [(n.team, n.slack_channel, n.affected, n.down) for n in result.teams_to_tell] == [
        ("apps", None, ("mobile",), ()),
        ("core", "#core", (), ("api",)),
        ("frontend", "#frontend", ("web",), ()),
        (None, None, ("cron",), ()),
    ]
    assert result.teams_to_tell[-1].label == "unowned"


def test_a_service_named_twice_is_taken_down_once():
    result = simulate_down(graph_of(("web", "api")), ["api", "API", "api"], NOBODY)

    assert result.down == ("api",)


def test_nothing_to_take_down_is_a_usage_error():
    with pytest.raises(UsageError):
        simulate_down(graph_of(("web", "api")), [], NOBODY)


def test_a_misspelled_service_raises_with_suggestions():
    with pytest.raises(UnknownServiceError) as caught:
        simulate_down(graph_of(("web", "api")), ["api", "wbe"], NOBODY)

    assert caught.value.suggestions == ["web"]


def test_the_result_turns_into_json():
    graph = graph_of(("web", "api"))

    data = simulate_down(graph, ["api"], catalog({"web": "w"})).to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["teams_to_tell"][0] == {
        "team": "w",
        "slack_channel": None,
        "affected": ["web"],
        "down": [],
        "label": "w",
    }
