"""Spans, log records and metric points stamped far from now are refused one by one."""

import json

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from tests.integration.web.conftest import NOW
from tests.integration.web.test_otlp_signals import logs_request, metrics_request
from tests.otlp_exports import START_NS, as_json, as_protobuf, frontend_calls_cart

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
DAY_NS = 86_400 * 10**9


def one_span(start: object) -> bytes:
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "a000000000000001",
        "kind": 2,
        "startTimeUnixNano": start,
        "endTimeUnixNano": start,
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "quiet"}}]}
    document = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}
    return json.dumps(document).encode()


def test_spans_of_a_clock_far_ahead_are_rejected_in_the_partial_success(web):
    app, client = web
    ahead = as_protobuf(frontend_calls_cart(start_ns=START_NS + DAY_NS)).SerializeToString()

    answer = client.post("/v1/traces", content=ahead, headers=PROTOBUF)

    assert answer.status_code == 200
    partial = ExportTraceServiceResponse.FromString(answer.content).partial_success
    assert partial.rejected_spans == 4
    assert "ahead of now" in partial.error_message
    assert app.store.edges() == []


def test_spans_older_than_the_minute_retention_are_rejected_and_the_rest_stored(web):
    app, client = web
    old = json.loads(as_json(frontend_calls_cart(start_ns=START_NS - 3 * DAY_NS)))
    fresh = json.loads(as_json(frontend_calls_cart(trace_id="1" * 32)))
    body = {"resourceSpans": old["resourceSpans"] + fresh["resourceSpans"]}

    answer = client.post("/v1/traces", content=json.dumps(body), headers=JSON)

    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["rejectedSpans"] == "4"
    assert {(e.parent, e.child) for e in app.store.edges()} == {
        ("frontend", "cart"),
        ("cart", "redis"),
    }


def test_the_clock_skew_allowed_is_a_setting(make_client):
    app, client = make_client(max_clock_skew="1d")
    ahead = as_protobuf(frontend_calls_cart(start_ns=START_NS + DAY_NS)).SerializeToString()

    answer = client.post("/v1/traces", content=ahead, headers=PROTOBUF)

    assert ExportTraceServiceResponse.FromString(answer.content).partial_success.rejected_spans == 0
    assert len(app.store.edges()) == 2


@pytest.mark.parametrize(
    "start",
    ["1" * 5000, str(10**30), 10**30, "-5", -5, "NaN", "Infinity", "1e9"],
    ids=["5000-digits", "1e30-string", "1e30", "negative-string", "negative", "nan", "inf", "exp"],
)
def test_a_time_that_is_not_a_64_bit_number_is_answered_400_naming_the_field(web, start):
    app, client = web

    answer = client.post("/v1/traces", content=one_span(start), headers=JSON)

    assert answer.status_code == 400
    assert "startTimeUnixNano" in answer.json()["message"]
    assert app.store.edges() == []


def test_the_reported_far_future_span_is_refused_not_stored(web):
    app, client = web

    answer = client.post("/v1/traces", content=one_span(str(10**25)), headers=JSON)

    assert answer.status_code == 400
    assert "startTimeUnixNano" in answer.json()["message"]
    answer = client.post("/v1/traces", content=one_span(str(2**63)), headers=JSON)
    assert answer.json()["partialSuccess"]["rejectedSpans"] == "1"
    assert app.store.services() == []


def test_log_records_and_metric_points_a_day_ahead_are_rejected(web):
    _, client = web
    ahead = NOW + 86_400

    logs = client.post(
        "/v1/logs", content=logs_request("x", at=ahead).SerializeToString(), headers=PROTOBUF
    )
    points = client.post(
        "/v1/metrics", content=metrics_request(at=ahead).SerializeToString(), headers=PROTOBUF
    )

    partial = ExportLogsServiceResponse.FromString(logs.content).partial_success
    assert partial.rejected_log_records == 1
    assert "ahead of now" in partial.error_message
    assert points.status_code == 200
    assert b"ahead of now" in points.content
