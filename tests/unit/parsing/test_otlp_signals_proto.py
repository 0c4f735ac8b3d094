"""Protobuf OTLP logs and metrics read as their JSON twins are."""

import json

import pytest
from google.protobuf.json_format import MessageToJson
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from topology.errors import TraceFormatError
from topology.parsing.otlp_logs import parse_logs
from topology.parsing.otlp_metrics import parse_metrics
from topology.parsing.otlp_signals_proto import read_logs_protobuf, read_metrics_protobuf

T0 = 1_700_000_040
NS = 1_000_000_000


def logs():
    request = ExportLogsServiceRequest()
    group = request.resource_logs.add()
    group.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value="cart"))
    )
    scope = group.scope_logs.add()
    for i, (severity, text, body) in enumerate(
        [(9, "INFO", "user 7 logged in"), (0, "warning", "slow disk"), (17, "", "boom")]
    ):
        record = scope.log_records.add()
        record.time_unix_nano = T0 * NS + i
        record.severity_number = severity
        record.severity_text = text
        record.body.string_value = body
        record.trace_id = bytes.fromhex("5b8efff798038103d269b633813fc60c")
        record.span_id = bytes.fromhex("eee19b7ec3c1b174")
    record = scope.log_records.add()
    record.observed_time_unix_nano = (T0 + 60) * NS
    record.body.kvlist_value.values.append(KeyValue(key="k", value=AnyValue(int_value=3)))
    return request


def test_protobuf_and_json_of_the_same_logs_give_the_same_records():
    request = logs()
    from_protobuf = read_logs_protobuf(request.SerializeToString(), source="otlp", now_s=T0)
    as_json = MessageToJson(request).encode()
    from_json = parse_logs(as_json, source="otlp", now_s=T0)

    shown = [(r.service, r.minute, r.level, r.body) for r in from_protobuf.records]
    assert shown == [
        ("cart", T0, "INFO", "user 7 logged in"),
        ("cart", T0, "WARN", "slow disk"),
        ("cart", T0, "ERROR", "boom"),
        ("cart", T0 + 60, "UNSET", "<map>"),
    ]
    assert [r.digest for r in from_protobuf.records[:3]] == [
        r.digest for r in from_json.records[:3]
    ]
    assert [r.level for r in from_json.records] == [r.level for r in from_protobuf.records]


def test_a_map_body_gives_its_level_and_message_fields_in_protobuf_and_json_alike():
    request = logs()
    scope = request.resource_logs[0].scope_logs[0]
    for fields in (
        [("level", AnyValue(int_value=50)), ("msg", AnyValue(string_value="charge failed"))],
        [("severity", AnyValue(string_value="warn")), ("nested", AnyValue(double_value=1.5))],
    ):
        record = scope.log_records.add()
        record.time_unix_nano = T0 * NS
        for key, value in fields:
            record.body.kvlist_value.values.append(KeyValue(key=key, value=value))

    from_protobuf = read_logs_protobuf(request.SerializeToString(), source="otlp", now_s=T0)
    from_json = parse_logs(MessageToJson(request).encode(), source="otlp", now_s=T0)

    expected = [("ERROR", "charge failed"), ("WARN", '{"severity":"warn"}')]
    assert [(r.level, r.body) for r in from_protobuf.records[-2:]] == expected
    assert [(r.level, r.body) for r in from_json.records[-2:]] == expected


def test_absurd_protobuf_times_are_refused_and_counted():
    request = logs()
    request.resource_logs[0].scope_logs[0].log_records[0].time_unix_nano = 2**64 - 1
    export = read_logs_protobuf(request.SerializeToString(), source="otlp", now_s=T0)
    assert (len(export.records), export.refused.count) == (3, 1)


@pytest.mark.parametrize("reader", [read_logs_protobuf, read_metrics_protobuf])
def test_what_is_not_an_export_is_refused(reader):
    options = {"now_s": T0} if reader is read_logs_protobuf else {}
    with pytest.raises(TraceFormatError, match=r"^otlp: not an OTLP protobuf"):
        reader(b"\xff\xff\xff\xff", source="otlp", **options)


def metrics():
    request = ExportMetricsServiceRequest()
    group = request.resource_metrics.add()
    group.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value="cart"))
    )
    scope = group.scope_metrics.add()
    gauge = scope.metrics.add(name="cpu")
    gauge.gauge.data_points.add(time_unix_nano=T0 * NS, as_double=0.5)
    gauge.gauge.data_points.add(time_unix_nano=T0 * NS + 1, as_int=1)
    counter = scope.metrics.add(name="requests")
    counter.sum.is_monotonic = True
    counter.sum.aggregation_temporality = 2
    for at, value in ((T0, 10), (T0 + 60, 40)):
        counter.sum.data_points.add(
            start_time_unix_nano=(T0 - 60) * NS, time_unix_nano=at * NS, as_int=value
        )
    histogram = scope.metrics.add(name="latency")
    histogram.histogram.data_points.add(time_unix_nano=T0 * NS, count=4, sum=10.0)
    summary = scope.metrics.add(name="gc")
    summary.summary.data_points.add(time_unix_nano=T0 * NS, count=2, sum=3.0)
    return request


def test_protobuf_and_json_of_the_same_metrics_give_the_same_values():
    request = metrics()
    from_protobuf = read_metrics_protobuf(request.SerializeToString(), source="otlp")
    from_json = parse_metrics(MessageToJson(request).encode(), source="otlp")

    def values(export):
        return sorted((p.service, p.name, p.minute, p.value) for p in export.points)

    assert values(from_protobuf) == [
        ("cart", "cpu", T0, 0.5),
        ("cart", "cpu", T0, 1.0),
        ("cart", "gc", T0, 1.5),
        ("cart", "latency", T0, 2.5),
        ("cart", "requests", T0 + 60, 0.5),
    ]
    assert values(from_json) == values(from_protobuf)
    assert json.loads(MessageToJson(request))  # the JSON twin is what the SDK would send
