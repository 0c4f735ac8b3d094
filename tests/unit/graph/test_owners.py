import json

import pytest

from topology.errors import UnknownServiceError
from topology.ownership import Catalog
from topology.queries.owners import owners

from .factories import catalog, graph_of


def test_the_owner_is_told_with_channel_and_whether_it_can_be_paged():
    graph = graph_of(("web", "api"))
    teams = catalog({"api": "core"}, channels={"core": "#core"}, keys={"core": "R0123"})

    result = owners(graph, "api", teams)

    assert result.team is not None
    assert (result.team.name, result.team.slack_channel, result.team.pageable) == (
        "core",
        "#core",
        True,
    )


def test_a_team_without_a_routing_key_cannot_be_paged():
    result = owners(graph_of(("web", "api")), "api", catalog({"api": "core"}))

    assert result.team is not None
    assert not result.team.pageable


def test_owners_of_direct_callers_and_callees_are_listed_and_the_unowned_say_so():
    graph = graph_of(("web", "api"), ("cron", "api"), ("api", "db"), ("api", "api"))
    teams = catalog({"web": "frontend", "db": "data"}, channels={"data": "#data"})

    result = owners(graph, "api", teams)

    assert result.team is None
    assert [(o.service, o.team.name if o.team else None) for o in result.callers] == [
        ("cron", None),
        ("web", "frontend"),
    ]
    [db] = result.callees
    assert db.team is not None
    assert (db.service, db.team.slack_channel) == ("db", "#data")


def test_a_team_named_in_the_catalog_without_details_is_still_the_owner():
    result = owners(graph_of(("web", "api")), "api", Catalog(owners={"api": "ghost"}))

    assert result.team is not None
    assert (result.team.name, result.team.slack_channel, result.team.pageable) == (
        "ghost",
        None,
        False,
    )


def test_the_routing_key_never_appears_in_the_answer():
    teams = catalog({"api": "core"}, keys={"core": "R0123-very-secret"})

    result = owners(graph_of(("web", "api")), "api", teams)

    assert "R0123-very-secret" not in repr(result)
    assert "R0123-very-secret" not in json.dumps(result.to_dict())


def test_a_misspelled_service_raises_with_suggestions():
    with pytest.raises(UnknownServiceError) as caught:
        owners(graph_of(("web", "api")), "ap", Catalog())

    assert caught.value.suggestions == ["api"]
