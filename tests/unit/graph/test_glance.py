from hypothesis import given, settings
from hypothesis import strategies as st

from topology.glance import MIN_CALLS, glance
from topology.graph import ServiceGraph
from topology.stats import EdgeStats, Latency

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


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 6),
            st.integers(1, 30),
            st.integers(0, 30),
            st.floats(0.1, 900.0),
        ),
        max_size=30,
    )
)
def test_each_glance_sums_every_edge_into_the_service_but_its_own(calls):
    edges = []
    for parent, child, count, errors, ms in calls:
        stats = EdgeStats(f"s{parent}", f"s{child}", calls=count, errors=min(errors, count))
        for _ in range(count):
            stats.latency.add(ms)
        edges.append(stats)
    graph = ServiceGraph.build(edges)
    names = [*graph.names(), "nobody"]
    found = glance(graph, graph, names)

    for name in names:
        into = [e for e in graph.edges() if e.child == name and e.parent != name]
        latency = Latency()
        for stats in into:
            latency.merge(stats.latency)
        calls_in = sum(e.calls for e in into)
        assert found[name].calls == calls_in
        assert found[name].error_rate == (sum(e.errors for e in into) / calls_in if calls_in else 0)
        p95 = latency.quantile_ms(0.95) if latency.count >= MIN_CALLS else None
        assert found[name].p95_ms == p95
        assert found[name].baseline_p95_ms == p95
