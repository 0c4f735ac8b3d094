from topology.glance import glance
from topology.graph import ServiceGraph

from .factories import stats


def graph(*edges):
    return ServiceGraph.build(edges)


def test_calls_into_a_service_are_summed_over_its_callers_and_rated_by_their_errors():
    now = graph(
        stats("web", "api", 60, errors=3),
        stats("batch", "api", 40, errors=0),
        stats("api", "db", 100, errors=0),
        stats("api", "cache", 100, errors=6),
    )

    found = glance(now, None, ["api", "db", "cache", "web"])

    assert found["api"].calls == 100
    assert found["api"].error_rate == 0.03
    assert found["api"].errors == "degraded"
    assert found["cache"].errors == "failing"
    assert found["db"].errors == "ok"
    assert found["web"].calls == 0
    assert found["web"].errors == "ok"


def test_a_p95_well_above_the_baselines_is_slow_and_a_small_rise_is_not():
    before = graph(
        stats("web", "api", 20, latencies_ms=[10.0] * 20),
        stats("web", "db", 20, latencies_ms=[30.0] * 20),
    )
    now = graph(
        stats("web", "api", 20, latencies_ms=[80.0] * 20),
        stats("web", "db", 20, latencies_ms=[40.0] * 20),
    )

    found = glance(now, before, ["api", "db"])

    assert found["api"].slow
    assert found["api"].p95_ms is not None
    assert found["api"].baseline_p95_ms is not None
    assert found["api"].p95_ms > found["api"].baseline_p95_ms
    assert not found["db"].slow


def test_without_a_baseline_or_with_too_few_calls_nothing_is_called_slow():
    before = graph(stats("web", "api", 3, latencies_ms=[1.0] * 3))
    now = graph(stats("web", "api", 20, latencies_ms=[500.0] * 20))

    assert not glance(now, before, ["api"])["api"].slow
    assert not glance(now, None, ["api"])["api"].slow
    assert glance(now, None, ["api"])["api"].baseline_p95_ms is None


def test_self_calls_and_names_off_the_map_count_nothing():
    now = graph(stats("api", "api", 50, errors=50))

    found = glance(now, None, ["api", "ghost"])

    assert found["api"].calls == 0
    assert found["ghost"].to_dict()["errors"] == "ok"
