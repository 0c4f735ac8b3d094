"""Health series from stored buckets: every minute present, gaps shown as nothing measured."""

import pytest

from tests.whole_snapshots import health_series, virtual_series
from topology.rca.series import (
    edge_series,
    served_series,
    service_series,
    steps,
)
from topology.stats import EdgeStats, Latency, ServiceStats

T0 = 1_777_600_000 - 1_777_600_000 % 60


def latency(*values_ms):
    measured = Latency()
    for value in values_ms:
        measured.add(value)
    return measured


def served(requests, errors, *values_ms):
    return ServiceStats("svc", requests, errors, latency(*values_ms))


def call(parent, child, calls, errors=0, *, client=(), server=()):
    best = latency(*(server or client))
    return EdgeStats(parent, child, calls, errors, best, latency(*client), latency(*server))


def test_steps_are_the_minutes_between_the_bounds_inclusive():
    assert steps(T0 + 1, T0 + 180) == (T0 + 60, T0 + 120, T0 + 180)
    assert steps(T0, T0 + 59) == (T0,)


def test_missing_minutes_have_no_requests_and_unmeasured_latency():
    times = steps(T0, T0 + 120)
    got = service_series([(T0 + 60, served(2, 0, 10, 20))], times)

    assert got.t == times
    assert got.metrics["requests"] == (0, 2, 0)
    assert got.metrics["errors"] == (0, 0, 0)
    assert got.metrics["latency_avg_ms"] == (None, 15.0, None)
    assert got.metrics["availability_pct"] == (None, 100.0, None)


def test_availability_is_the_share_of_requests_without_errors():
    got = service_series([(T0, served(4, 1, 5, 5, 5, 5))], (T0,))

    assert got.metrics["availability_pct"] == (75.0,)


def test_percentiles_come_from_the_histogram():
    values = [3.0] * 90 + [400.0] * 10
    got = service_series([(T0, served(100, 0, *values))], (T0,))
    expected = latency(*values)

    for key, q in (("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)):
        measured = got.metrics[f"latency_{key}_ms"]
        assert measured == (pytest.approx(expected.quantile_ms(q), abs=1e-3),)
    assert got.metrics["latency_p99_ms"][0] > 250


def test_a_percentile_needs_enough_calls_for_one_to_lie_above_it():
    got = service_series(
        [(T0, served(1, 0, 40)), (T0 + 60, served(10, 0, *[40] * 10))], steps(T0, T0 + 60)
    )

    assert got.metrics["latency_avg_ms"] == (40.0, 40.0)
    assert got.metrics["latency_p50_ms"] == (None, 37.5)
    assert got.metrics["latency_p90_ms"][0] is None
    assert got.metrics["latency_p90_ms"][1] is not None
    assert got.metrics["latency_p99_ms"] == (None, None)


def test_network_time_is_client_less_server_when_both_sides_were_measured():
    times = steps(T0, T0 + 120)
    points = [
        (T0, call("a", "b", 2, client=(30, 50), server=(10, 20))),
        (T0 + 60, call("a", "b", 1, client=(30,))),
        (T0 + 120, call("a", "b", 1, client=(10,), server=(12,))),
    ]

    got = edge_series(points, times)

    assert got.metrics["network_ms"] == (25.0, None, 0.0)
    assert got.metrics["requests"] == (2, 1, 1)


def test_a_node_that_served_nothing_gets_the_calls_into_it_summed():
    times = steps(T0, T0 + 60)
    into_db = [
        [(T0, call("a", "db", 2, 1, client=(10, 30)))],
        [(T0, call("b", "db", 2, client=(20, 20))), (T0 + 60, call("b", "db", 1, client=(5,)))],
    ]

    got = virtual_series(into_db, times)

    assert got.metrics["requests"] == (4, 1)
    assert got.metrics["errors"] == (1, 0)
    assert got.metrics["availability_pct"] == (75.0, 100.0)
    assert got.metrics["latency_avg_ms"] == (20.0, 5.0)


def test_health_series_keys_edges_and_derives_only_nodes_without_their_own_series():
    times = (T0,)
    services = {"a": [(T0, served(3, 0, 5, 5, 5))], "b": [(T0, served(2, 0, 4, 4))]}
    edges = {
        ("a", "b"): [(T0, call("a", "b", 2, client=(6, 6), server=(4, 4)))],
        ("b", "db"): [(T0, call("b", "db", 5, client=(1, 1, 1, 1, 1)))],
        ("db", "db"): [(T0, call("db", "db", 9, client=(1,) * 9))],
    }

    by_service, by_edge = health_series(services, edges, times)

    assert sorted(by_service) == ["a", "b", "db"]
    assert by_service["b"].metrics["requests"] == (2,)
    assert by_service["db"].metrics["requests"] == (5,)
    assert sorted(by_edge) == ["a->b", "b->db", "db->db"]
    assert by_edge["a->b"].metrics["network_ms"] == (2.0,)


def test_served_series_are_the_services_health_series_given_the_calls_into_each_node():
    times = (T0, T0 + 60)
    services = {"a": [(T0, served(3, 0, 5, 5, 5))], "b": [(T0 + 60, served(2, 0, 4, 4))]}
    edges = {
        ("a", "b"): [(T0, call("a", "b", 2, client=(6, 6), server=(4, 4)))],
        ("a", "db"): [(T0, call("a", "db", 1, 1, client=(30,)))],
        ("b", "db"): [(T0, call("b", "db", 5, client=(1, 1, 1, 1, 1)))],
    }
    incoming = {
        "b": [(T0, served(2, 0, 4, 4))],
        "db": [(T0, served(6, 1, 30, 1, 1, 1, 1, 1))],
    }

    assert served_series(services, incoming, times) == health_series(services, edges, times)[0]
