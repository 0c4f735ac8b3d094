"""Prometheus answers read by the pure functions, and edges summed from them."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources.prometheus import (
    EdgeLabels,
    edges_from,
    parse_edge_vector,
    prometheus_error,
)
from topology.errors import SourceError
from topology.model import NodeKind


def _vector(*series: tuple[dict[str, str], str]) -> bytes:
    result = [{"metric": labels, "value": [1722945600, value]} for labels, value in series]
    return json.dumps(
        {"status": "success", "data": {"resultType": "vector", "result": result}}
    ).encode()


def test_an_instant_vector_gives_edge_labels_and_float_values(payload):
    samples = parse_edge_vector(payload("prometheus_query_instant_vector_docs.json"), source="p")

    # The documentation's series carry no edge labels: they read as empty.
    assert samples == [(EdgeLabels(), 1.0), (EdgeLabels(), 0.0)]


def test_the_edge_labels_are_read_and_others_ignored():
    body = _vector(({"client": "a", "server": "b", "le": "0.1", "job": "x"}, "3"))
    assert parse_edge_vector(body, source="p") == [
        (EdgeLabels(client="a", server="b", le="0.1"), 3.0)
    ]


def test_not_a_number_samples_are_left_out():
    body = _vector(({"client": "a"}, "NaN"), ({"client": "b"}, "+Inf"), ({"client": "c"}, "2"))
    assert parse_edge_vector(body, source="p") == [(EdgeLabels(client="c"), 2.0)]


def test_a_range_answer_is_refused_as_not_an_instant_vector(payload):
    body = payload("prometheus_query_range_service_graph.CONSTRUCTED.json")
    with pytest.raises(SourceError, match=r"^p: expected an instant vector, got matrix"):
        parse_edge_vector(body, source="p")


def test_the_error_envelope_is_a_source_error_with_type_and_message(payload):
    body = payload("prometheus_error_400_bad_data.CONSTRUCTED.json")
    with pytest.raises(
        SourceError, match=r'^p: Prometheus said bad_data: invalid parameter "query"'
    ):
        parse_edge_vector(body, source="p")


def test_the_error_envelope_is_told_from_other_bodies(payload):
    said = prometheus_error(payload("prometheus_error_400_bad_data.CONSTRUCTED.json"))
    assert said is not None
    assert said.startswith("Prometheus said bad_data: invalid parameter")
    assert prometheus_error(payload("prometheus_query_instant_vector_docs.json")) is None
    assert prometheus_error(b"<html>bad gateway</html>") is None


def test_a_sample_value_that_is_no_number_is_refused():
    with pytest.raises(SourceError, match=r"^p: not a sample value: 'many'"):
        parse_edge_vector(_vector(({"client": "a"}, "many")), source="p")


def test_edges_sum_requests_across_failed_and_connection_type(payload):
    requests = parse_edge_vector(
        payload("prometheus_query_instant_service_graph.CONSTRUCTED.json"), source="p"
    )

    edges = edges_from(requests, [], [], [], [])

    assert [(e.parent, e.child, e.calls, e.errors, e.child_kind) for e in edges] == [
        ("checkout", "payments", 1498, 0, NodeKind.QUEUE),
        ("checkout", "postgresql", 3064, 0, NodeKind.DATABASE),
        ("frontend", "checkout", 1549, 17, None),
    ]


def test_errors_are_the_larger_of_the_failed_label_and_the_failed_counter():
    requests = [(EdgeLabels(client="a", server="b", failed="true"), 4.0)]
    failed = [(EdgeLabels(client="a", server="b"), 6.4)]

    (edge,) = edges_from(requests, failed, [], [], [])

    assert (edge.calls, edge.errors) == (4, 6)


def test_latency_comes_from_the_server_histogram_sum_and_count():
    edge_labels = EdgeLabels(client="a", server="b")
    buckets = [
        (EdgeLabels(client="a", server="b", le=le), n)
        for le, n in [("0.01", 3.0), ("0.1", 9.0), ("+Inf", 10.0)]
    ]

    (edge,) = edges_from(
        [(edge_labels, 10.0)], [], buckets, [(edge_labels, 0.5)], [(edge_labels, 10.0)]
    )

    assert edge.server.count == 10
    assert edge.server.avg_ms == pytest.approx(50.0)
    assert sum(edge.server.histogram[:4]) == 3  # up to 10 ms
    assert sum(edge.server.histogram) == 10
    assert edge.latency.histogram == edge.server.histogram
    assert edge.client.count == 0


def test_an_edge_seen_only_in_failures_is_still_an_edge():
    (edge,) = edges_from([], [(EdgeLabels(client="a", server="b"), 2.0)], [], [], [])
    assert (edge.parent, edge.child, edge.calls, edge.errors) == ("a", "b", 0, 2)


def test_the_ends_names_are_cleaned_and_a_series_with_an_empty_end_is_left_out():
    requests = [
        (EdgeLabels(client=" a\x00", server="b "), 2.0),
        (EdgeLabels(client="a", server="b"), 3.0),
        (EdgeLabels(client="", server="b"), 5.0),
        (EdgeLabels(client="a", server="\x00 "), 7.0),
    ]
    buckets = [
        (EdgeLabels(client="a ", server="b", le="+Inf"), 5.0),
        (EdgeLabels(server="b", le="+Inf"), 11.0),
    ]
    failed = [(EdgeLabels(server="b"), 13.0)]

    (edge,) = edges_from(requests, failed, buckets, [], [])

    assert (edge.parent, edge.child, edge.calls, edge.errors) == ("a", "b", 5, 0)
    assert sum(edge.server.histogram) == 5
