"""PrometheusEdgeSource against a real local HTTP server answering PromQL by query text."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources import PrometheusEdgeSource
from topology.errors import SourceError
from topology.model import NodeKind

T = 1_722_945_600


def _vector(*series: tuple[dict[str, str], str]) -> bytes:
    result = [{"metric": labels, "value": [T, value]} for labels, value in series]
    data = {"resultType": "vector", "result": result}
    return json.dumps({"status": "success", "data": data}).encode()


def _edge(client: str, server: str, **labels: str) -> dict[str, str]:
    return {"client": client, "server": server, **labels}


def test_edges_carry_calls_errors_kind_and_a_latency_histogram(server, client, api_fixtures):
    source = PrometheusEdgeSource(client)
    fixture = api_fixtures / "prometheus_query_instant_service_graph.CONSTRUCTED.json"
    le_counts = [("0.005", "500"), ("0.1", "1500"), ("+Inf", "1549")]
    server.json_each(
        "/api/v1/query",
        fixture.read_bytes(),
        _vector((_edge("frontend", "checkout"), "12")),
        _vector(*((_edge("frontend", "checkout", le=le), n) for le, n in le_counts)),
        _vector((_edge("frontend", "checkout"), "61.96")),
        _vector((_edge("frontend", "checkout"), "1549")),
    )

    edges = {(e.parent, e.child): e for e in source.edges(start_s=T - 300, end_s=T)}

    front = edges["frontend", "checkout"]
    assert (front.calls, front.errors) == (1549, 17)
    assert front.server.count == 1549
    assert front.server.avg_ms == pytest.approx(40.0)
    assert sum(front.server.histogram) == 1549
    assert sum(front.server.histogram[:3]) == 500  # up to 5 ms, a bound both share
    assert front.latency.histogram == front.server.histogram
    assert edges["checkout", "postgresql"].child_kind is NodeKind.DATABASE
    assert edges["checkout", "payments"].child_kind is NodeKind.QUEUE
    assert edges["checkout", "postgresql"].calls == 3064


def test_the_five_queries_are_instant_increases_over_the_window(server, client):
    source = PrometheusEdgeSource(client)
    server.json("/api/v1/query", _vector())

    assert source.edges(start_s=T - 300, end_s=T) == []

    assert [r.param("time") for r in server.requests] == [str(T)] * 5
    edge = "client, server, connection_type"
    metric = "traces_service_graph_request"
    assert [r.param("query") for r in server.requests] == [
        f"sum by ({edge}, failed) (increase({metric}_total[300s]))",
        f"sum by ({edge}) (increase({metric}_failed_total[300s]))",
        f"sum by ({edge}, le) (increase({metric}_server_seconds_bucket[300s]))",
        f"sum by ({edge}) (increase({metric}_server_seconds_sum[300s]))",
        f"sum by ({edge}) (increase({metric}_server_seconds_count[300s]))",
    ]


def test_a_prometheus_error_answer_becomes_a_source_error_with_its_message(
    server, client, api_fixtures
):
    body = (api_fixtures / "prometheus_error_400_bad_data.CONSTRUCTED.json").read_bytes()
    server.json("/api/v1/query", body, status=400)

    with pytest.raises(SourceError) as caught:
        PrometheusEdgeSource(client).edges(start_s=T - 60, end_s=T)

    assert str(caught.value) == (
        "prometheus: GET /api/v1/query: HTTP 400: Prometheus said bad_data: "
        'invalid parameter "query": 1:1: parse error: no expression found in input'
    )
    assert (caught.value.status, caught.value.retryable) == (400, False)


def test_a_prometheus_timeout_answer_is_retryable(server, client):
    said = {"status": "error", "errorType": "timeout", "error": "query timed out in expression"}
    body = json.dumps(said).encode()
    server.json("/api/v1/query", body, status=503)

    with pytest.raises(SourceError, match="Prometheus said timeout: query timed out") as caught:
        PrometheusEdgeSource(client).edges(start_s=T - 60, end_s=T)

    assert caught.value.retryable
