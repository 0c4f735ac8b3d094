"""`POST /v1/logs` and `POST /v1/metrics`: OTLP/HTTP exports, protobuf or JSON, gzip or not."""

import gzip
import json

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from tests.conftest import REPO

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
SIGNALS = REPO / "tests" / "fixtures" / "signals"
T0 = 1_700_000_040
NS = 1_000_000_000


def logs_request(*bodies, service="cart", at=T0, severity=9):
    request = ExportLogsServiceRequest()
    group = request.resource_logs.add()
    group.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value=service))
    )
    scope = group.scope_logs.add()
    for i, body in enumerate(bodies):
        record = scope.log_records.add()
        record.time_unix_nano = at * NS + i
        record.severity_number = severity
        record.body.string_value = body
    return request


def metrics_request(service="cart", names=("cpu",), values=(0.5,), at=T0):
    request = ExportMetricsServiceRequest()
    group = request.resource_metrics.add()
    group.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value=service))
    )
    scope = group.scope_metrics.add()
    for name in names:
        metric = scope.metrics.add()
        metric.name = name
        for value in values:
            point = metric.gauge.data_points.add()
            point.time_unix_nano = at * NS
            point.as_double = value
    return request


def test_a_protobuf_logs_export_is_counted_and_answered_empty(web):
    app, client = web
    body = logs_request("user 1 logged in", "user 2 logged in").SerializeToString()

    answer = client.post("/v1/logs", content=body, headers=PROTOBUF)

    assert answer.status_code == 200
    assert ExportLogsServiceResponse.FromString(answer.content) == ExportLogsServiceResponse()
    series = app.store.log_series(["cart"], T0, T0)["cart"]
    assert series.metrics == {"level:INFO": (2,), "template:user <NUM> logged in": (2,)}


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_json_logs_export_is_counted(web, gzipped):
    app, client = web
    body = (SIGNALS / "otlp_logs.CONSTRUCTED.json").read_bytes()
    headers = {**JSON, "Content-Encoding": "gzip"} if gzipped else JSON

    answer = client.post(
        "/v1/logs", content=gzip.compress(body) if gzipped else body, headers=headers
    )

    assert (answer.status_code, answer.json()) == (200, {})
    assert app.store.log_series(["payments"], T0, T0)["payments"].metrics["level:FATAL"] == (1,)


def test_the_same_logs_export_sent_again_counts_nothing_more(web):
    app, client = web
    body = logs_request("hello", "world").SerializeToString()
    client.post("/v1/logs", content=body, headers=PROTOBUF)
    client.post("/v1/logs", content=body, headers=PROTOBUF)

    assert app.store.log_series(["cart"], T0, T0)["cart"].metrics["level:INFO"] == (2,)


def test_a_protobuf_metrics_export_is_stored_as_means(web):
    app, client = web
    body = metrics_request(values=(0.25, 0.75)).SerializeToString()

    answer = client.post("/v1/metrics", content=body, headers=PROTOBUF)

    assert answer.status_code == 200
    assert ExportMetricsServiceResponse.FromString(answer.content) == ExportMetricsServiceResponse()
    assert app.store.metric_series(["cart"], T0, T0)["cart"].metrics == {"cpu": (0.5,)}


def test_a_json_metrics_export_is_stored(web):
    app, client = web
    body = (SIGNALS / "otlp_metrics.CONSTRUCTED.json").read_bytes()

    answer = client.post("/v1/metrics", content=body, headers=JSON)

    assert (answer.status_code, answer.json()) == (200, {})
    metrics = app.store.metric_series(["checkout"], T0, T0 + 60)["checkout"].metrics
    assert metrics["http.server.request.count"] == (None, 1.0)


def test_cumulative_sums_become_rates_across_exports(web):
    app, client = web
    for at, value in ((T0, 100), (T0 + 60, 160)):
        request = ExportMetricsServiceRequest()
        group = request.resource_metrics.add()
        group.resource.attributes.append(
            KeyValue(key="service.name", value=AnyValue(string_value="cart"))
        )
        metric = group.scope_metrics.add().metrics.add()
        metric.name = "requests"
        metric.sum.is_monotonic = True
        metric.sum.aggregation_temporality = 2
        point = metric.sum.data_points.add()
        point.start_time_unix_nano = (T0 - 600) * NS
        point.time_unix_nano = at * NS
        point.as_int = value
        client.post("/v1/metrics", content=request.SerializeToString(), headers=PROTOBUF)

    metrics = app.store.metric_series(["cart"], T0, T0 + 60)["cart"].metrics
    assert metrics == {"requests": (None, 1.0)}


@pytest.mark.parametrize("path", ["/v1/logs", "/v1/metrics"])
def test_a_body_that_is_no_export_is_answered_400_and_nothing_is_stored(web, path):
    app, client = web

    answer = client.post(path, content=b"\xff\xff\xff not protobuf", headers=PROTOBUF)

    assert answer.status_code == 400
    assert app.store.log_series(None, 0, 2 * T0) == {}


def test_a_malformed_json_logs_export_is_answered_400_naming_the_path(web):
    app, client = web
    good = {"timeUnixNano": str(T0 * NS), "body": {"stringValue": "fine"}}
    doc = {"resourceLogs": [{"scopeLogs": [{"logRecords": [good, {"severityText": 7}]}]}]}

    answer = client.post("/v1/logs", content=json.dumps(doc), headers=JSON)

    assert answer.status_code == 400
    assert answer.json()["code"] == 3
    assert "$.resourceLogs[0].scopeLogs[0].logRecords[1].severityText" in answer.json()["message"]
    assert app.store.log_series(None, 0, 2 * T0) == {}


def test_absurd_times_are_rejected_as_a_partial_success_never_a_500(web):
    app, client = web
    request = logs_request("fine", "late")
    request.resource_logs[0].scope_logs[0].log_records[1].time_unix_nano = 2**64 - 1

    answer = client.post("/v1/logs", content=request.SerializeToString(), headers=PROTOBUF)

    assert answer.status_code == 200
    partial = ExportLogsServiceResponse.FromString(answer.content).partial_success
    assert partial.rejected_log_records == 1
    assert "2200" in partial.error_message
    assert app.store.log_series(["cart"], T0, T0)["cart"].metrics["level:INFO"] == (1,)


def test_json_absurd_times_are_rejected_in_the_json_answer(web):
    _, client = web
    doc = {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": str(10**25)}]}]}]}

    answer = client.post("/v1/logs", content=json.dumps(doc), headers=JSON)

    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["rejectedLogRecords"] == "1"


def test_metric_names_past_the_cap_are_dropped_told_and_counted(make_client):
    app, client = make_client(metric_name_cap=3)
    body = metrics_request(names=[f"m{i}" for i in range(10)]).SerializeToString()

    answer = client.post("/v1/metrics", content=body, headers=PROTOBUF)

    partial = ExportMetricsServiceResponse.FromString(answer.content).partial_success
    assert partial.rejected_data_points == 7
    assert len(app.store.metric_series(["cart"], T0, T0)["cart"].metrics) == 3
    assert app.store.signal_drops() == {"cart": {"metric_points_dropped": 7}}
    exposed = client.get("/metrics").text
    assert 'svcmap_otlp_signal_items_total{outcome="capped",signal="metrics"} 7.0' in exposed


def test_a_flood_of_distinct_log_templates_stops_at_the_cap(make_client):
    app, client = make_client(log_template_cap=5)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    lines = [f"{a} {b} {c}" for a in words for b in words for c in words[:3]]
    body = logs_request(*lines).SerializeToString()

    answer = client.post("/v1/logs", content=body, headers=PROTOBUF)

    assert answer.status_code == 200
    metrics = app.store.log_series(["cart"], T0, T0)["cart"].metrics
    templates = [key for key in metrics if key.startswith("template:")]
    assert len(templates) <= 6
    assert "template:<other>" in templates
    assert sum(metrics[key][0] for key in templates) == len(lines)
    assert app.store.signal_drops()["cart"]["log_records_folded"] == metrics["template:<other>"][0]


def test_a_body_over_the_limit_is_answered_413(make_client):
    _, client = make_client(otlp_max_body_bytes=1024)
    body = logs_request("x" * 5000).SerializeToString()

    answer = client.post("/v1/logs", content=body, headers=PROTOBUF)

    assert answer.status_code == 413


def test_a_one_megabyte_log_body_is_cut_before_mining(web):
    app, client = web
    body = logs_request("word " * 200_000 + "end").SerializeToString()

    answer = client.post("/v1/logs", content=body, headers=PROTOBUF)

    assert answer.status_code == 200
    [template] = [k for k in app.store.log_series(["cart"], T0, T0)["cart"].metrics if "word" in k]
    assert len(template) < 4200
