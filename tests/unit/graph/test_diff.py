import json

import pytest

from topology.graph import ServiceGraph
from topology.queries.diff import diff

from .factories import stats


def graph(*edges):
    return ServiceGraph.build(edges)


def test_edges_and_services_seen_in_one_window_only_are_new_or_vanished():
    before = graph(stats("web", "api", 5), stats("web", "legacy", 40))
    after = graph(stats("web", "api", 5), stats("web", "search", 7), stats("web", "cache", 90))

    result = diff(before, after)

    assert [(e.parent, e.child, e.calls) for e in result.new_edges] == [
        ("web", "cache", 90),
        ("web", "search", 7),
    ]
    assert [(e.parent, e.child, e.calls) for e in result.vanished_edges] == [
        ("web", "legacy", 40),
    ]
    assert result.new_services == ("cache", "search")
    assert result.vanished_services == ("legacy",)


def test_an_error_rate_that_jumps_and_doubles_is_reported():
    before = graph(stats("web", "api", calls=100, errors=1))
    after = graph(stats("web", "api", calls=100, errors=9))

    [jump] = diff(before, after).error_jumps

    assert (jump.parent, jump.child) == ("web", "api")
    assert (jump.before_rate, jump.after_rate) == (0.01, 0.09)
    assert (jump.before_calls, jump.after_calls) == (100, 100)


@pytest.mark.parametrize(
    ("errors_before", "errors_after"),
    [
        (1, 5),  # up 4 points only
        (30, 40),  # up 10 points but not doubled
        (9, 8),  # down
    ],
)
def test_error_rates_that_do_not_both_jump_and_double_are_not_reported(
    errors_before,
    errors_after,
):
    before = graph(stats("web", "api", calls=100, errors=errors_before))
    after = graph(stats("web", "api", calls=100, errors=errors_after))

    assert diff(before, after).error_jumps == ()


def test_edges_with_too_few_calls_in_either_window_are_not_judged():
    before = graph(stats("web", "api", calls=5, errors=0))
    after = graph(stats("web", "api", calls=100, errors=50))

    assert diff(before, after).error_jumps == ()
    assert diff(before, after, min_calls=5).error_jumps != ()


def test_a_p95_that_grows_by_the_ratio_and_the_floor_is_a_latency_jump():
    before = graph(stats("web", "api", calls=20, latencies_ms=[20.0] * 20))
    after = graph(stats("web", "api", calls=20, latencies_ms=[200.0] * 20))

    [jump] = diff(before, after).latency_jumps

    assert jump.before_p95_ms <= 25.0
    assert jump.after_p95_ms >= 100.0


def test_a_latency_growth_under_the_floor_is_not_a_jump():
    before = graph(stats("web", "api", calls=20, latencies_ms=[0.5] * 20))
    after = graph(stats("web", "api", calls=20, latencies_ms=[1.9] * 20))

    assert diff(before, after).latency_jumps == ()
    assert diff(before, after, latency_floor_ms=0.1).latency_jumps != ()


def test_edges_without_latency_measured_have_no_latency_jump():
    before = graph(stats("web", "api", calls=20))
    after = graph(stats("web", "api", calls=20, latencies_ms=[900.0] * 20))

    assert diff(before, after).latency_jumps == ()


def test_the_worst_jumps_come_first():
    before = graph(stats("a", "b", 100), stats("c", "d", 100))
    after = graph(stats("a", "b", 100, errors=10), stats("c", "d", 100, errors=50))

    assert [jump.parent for jump in diff(before, after).error_jumps] == ["c", "a"]


def test_the_result_turns_into_json():
    before = graph(stats("a", "b", 100, latencies_ms=[1.0] * 100))
    after = graph(stats("a", "b", 100, errors=20, latencies_ms=[300.0] * 100), stats("a", "c"))

    data = diff(before, after).to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["new_edges"] == [{"parent": "a", "child": "c", "calls": 10}]
