"""What ranking reads of an edge, and the percentiles of a series, as the full series give them."""

from hypothesis import given
from hypothesis import strategies as st

from topology.rca.series import QUANTILES, edge_series, service_series, timing_series
from topology.stats import HISTOGRAM_SIZE, EdgeStats, Latency, ServiceStats, quantile, quantiles

TIMES = (0, 60, 120, 180)
histograms = st.lists(st.integers(0, 50), min_size=HISTOGRAM_SIZE, max_size=HISTOGRAM_SIZE)
sides = st.tuples(st.floats(0, 1e6), st.integers(0, 1000))


def sides_of(stats):
    return (stats.client.sum_ms, stats.client.count, stats.server.sum_ms, stats.server.count)


@given(histograms)
def test_percentiles_in_one_pass_are_those_found_one_by_one(histogram):
    qs = [q for _, q in QUANTILES]

    assert quantiles(histogram, qs) == [quantile(histogram, q) for q in qs]


@given(
    st.lists(
        st.tuples(st.sampled_from(TIMES), st.integers(0, 500), sides, sides, sides, histograms),
        max_size=6,
    )
)
def test_timings_give_the_calls_latency_and_gap_of_the_edge_series(buckets):
    points = []
    for start, calls, (lat_ms, lat_n), (client_ms, client_n), (server_ms, server_n), h in buckets:
        stats = EdgeStats("a", "b", calls=calls)
        stats.latency = Latency(h, lat_ms, lat_n)
        stats.client = Latency([0] * HISTOGRAM_SIZE, client_ms, client_n)
        stats.server = Latency([0] * HISTOGRAM_SIZE, server_ms, server_n)
        points.append((start, stats))
    timings = [(t, s.calls, s.latency.sum_ms, s.latency.count, *sides_of(s)) for t, s in points]

    lean = timing_series({("a", "b"): timings}, TIMES)["a->b"]
    full = edge_series(points, TIMES)

    assert lean.t == full.t
    assert lean.metrics == {
        key: full.metrics[key] for key in ("requests", "latency_avg_ms", "network_ms")
    }


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 20), sides, histograms), max_size=4))
def test_a_service_series_keeps_its_percentiles_where_enough_calls_lie_above(buckets):
    points = [
        (t, ServiceStats("a", n, e, Latency(h, ms, count)))
        for t, (n, e, (ms, count), h) in zip(TIMES, buckets, strict=False)
    ]

    series = service_series(points, TIMES)

    for step, (t, stats) in enumerate(points):
        assert series.t[step] == t
        for key, q in QUANTILES:
            enough = stats.latency.count * (1 - q) >= 1 - 1e-9
            found = quantile(stats.latency.histogram, q) if enough else None
            expected = None if found is None else round(found, 3)
            assert series.metrics[key][step] == expected
