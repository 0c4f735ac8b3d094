import json

import pytest

from topology.errors import UnknownServiceError, UsageError
from topology.queries.path import paths

from .factories import graph_of


def services_of(result):
    return [path.services for path in result.paths]


def test_a_direct_call_is_a_one_hop_path_with_its_numbers():
    result = paths(graph_of(("web", "api", 12)), "web", "api")

    assert result.found
    assert not result.reversed
    [path] = result.paths
    [hop] = path.hops
    assert (hop.parent, hop.child, hop.edge.calls) == ("web", "api", 12)


def test_every_shortest_path_of_a_diamond_is_given_and_longer_ones_are_not():
    graph = graph_of(
        ("top", "left"),
        ("top", "right"),
        ("left", "bottom"),
        ("right", "bottom"),
        ("top", "long"),
        ("long", "longer"),
        ("longer", "bottom"),
    )

    result = paths(graph, "top", "bottom")

    assert sorted(services_of(result)) == [("top", "left", "bottom"), ("top", "right", "bottom")]
    assert not result.truncated


def test_the_number_of_paths_is_limited_and_the_cut_is_told():
    graph = graph_of(*[edge for n in range(4) for edge in (("a", f"m{n}"), (f"m{n}", "z"))])

    result = paths(graph, "a", "z", limit=3)

    assert len(result.paths) == 3
    assert result.truncated


def test_when_only_the_second_calls_the_first_the_path_is_reversed():
    graph = graph_of(("web", "api"), ("api", "db"))

    result = paths(graph, "db", "web")

    assert result.found
    assert result.reversed
    assert (result.source, result.target) == ("db", "web")
    assert services_of(result) == [("web", "api", "db")]


def test_when_neither_reaches_the_other_the_answer_is_empty_not_an_error():
    graph = graph_of(("web", "api"), ("batch", "db"))

    result = paths(graph, "web", "db")

    assert not result.found
    assert not result.reversed
    assert result.paths == ()


def test_a_path_from_a_service_to_itself_is_a_usage_error():
    with pytest.raises(UsageError):
        paths(graph_of(("a", "a")), "a", "a")


def test_a_limit_below_one_is_a_usage_error():
    with pytest.raises(UsageError):
        paths(graph_of(("a", "b")), "a", "b", limit=0)


def test_misspelled_ends_raise_with_suggestions():
    with pytest.raises(UnknownServiceError) as caught:
        paths(graph_of(("web", "api")), "web", "apo")

    assert caught.value.suggestions == ["api"]


def test_the_result_turns_into_json_with_the_services_along_each_path():
    data = paths(graph_of(("a", "b"), ("b", "c")), "a", "c").to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["paths"][0]["services"] == ["a", "b", "c"]
    assert data["paths"][0]["hops"][1]["edge"]["calls"] == 10
