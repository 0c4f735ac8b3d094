"""Every numeric field of every input format, given any number at all, is read or refused.

A value is written into the document as raw JSON: integers of up to 5,000 digits,
floats past a double's range, negative values, numbers as strings (NaN, Infinity,
digits), or text. Whatever it is, the reader answers or raises svcmap's own error for
that format, never another exception.
"""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.sources.prometheus import edges_from, parse_edge_vector
from topology.errors import AlertFormatError, SourceError, TraceFormatError
from topology.incidents.webhook import parse_webhook
from topology.parsing import parse_traces
from topology.parsing.otlp_logs import parse_logs
from topology.parsing.otlp_metrics import parse_metrics
from topology.signals.metrics import Cumulatives

SETTINGS = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
HOLE = "__NUMBER__"
NOW = 1_700_000_000

big_digits = st.integers(min_value=1, max_value=5_000).map(lambda n: "9" * n)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    big_digits,
    big_digits.map(lambda digits: f"-{digits}"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e30", "1e400", "-1e400", "1e-400", "0.5", "-0", "0", "1E+19"]),
)
texts = st.one_of(
    numbers,
    st.sampled_from(["NaN", "Infinity", "-Infinity", "inf", "nan", "", " 1", "0x10", "1_000"]),
    st.text(max_size=12),
)
raw_values = st.one_of(numbers, texts.map(json.dumps))
"""A value as raw JSON text: a number as it is, or a string."""


def filled(template: object, raw: str) -> bytes:
    """`template` as JSON with the string HOLE replaced by the raw JSON value `raw`."""
    return json.dumps(template).replace(json.dumps(HOLE), raw).encode()


OTLP_SPAN = {
    "traceId": "5b8efff798038103d269b633813fc60c",
    "spanId": "a000000000000001",
    "kind": 2,
    "startTimeUnixNano": "1700000000000000000",
    "endTimeUnixNano": "1700000000001000000",
    "status": {"code": 2},
    "attributes": [{"key": "peer.service", "value": {"intValue": "5"}}],
}
ZIPKIN_SPAN = {
    "traceId": "5b8efff798038103",
    "id": "a000000000000001",
    "kind": "CLIENT",
    "timestamp": 1_700_000_000_000_000,
    "duration": 10,
    "localEndpoint": {"serviceName": "a", "port": 80},
    "remoteEndpoint": {"serviceName": "b", "port": 81},
}
JAEGER_SPAN = {
    "traceID": "5b8efff798038103",
    "spanID": "a000000000000001",
    "startTime": 1_700_000_000_000_000,
    "duration": 10,
    "tags": [{"key": "span.kind", "type": "string", "value": "client"}],
    "processID": "p1",
}


def with_hole(document: dict[str, object], path: tuple[str | int, ...]) -> object:
    """A deep copy of `document` with the value at `path` replaced by HOLE."""
    copied = json.loads(json.dumps(document))
    place = copied
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = HOLE
    return copied


def otlp_traces() -> dict[str, object]:
    return {"resourceSpans": [{"scopeSpans": [{"spans": [OTLP_SPAN]}]}], "batches": []}


TRACE_FIELDS = [
    *(
        (
            f"otlp.{field}",
            with_hole(otlp_traces(), ("resourceSpans", 0, "scopeSpans", 0, "spans", 0, *path)),
        )
        for field, path in {
            "startTimeUnixNano": ("startTimeUnixNano",),
            "endTimeUnixNano": ("endTimeUnixNano",),
            "kind": ("kind",),
            "status.code": ("status", "code"),
            "intValue": ("attributes", 0, "value", "intValue"),
        }.items()
    ),
    *(
        (f"tempo.{field}", {"batches": [{"scopeSpans": [{"spans": [{**OTLP_SPAN, field: HOLE}]}]}]})
        for field in ("startTimeUnixNano", "endTimeUnixNano")
    ),
    *((f"zipkin.{field}", [{**ZIPKIN_SPAN, field: HOLE}]) for field in ("timestamp", "duration")),
    ("zipkin.port", [{**ZIPKIN_SPAN, "localEndpoint": {"serviceName": "a", "port": HOLE}}]),
    *(
        (
            f"jaeger.{field}",
            {
                "data": [
                    {
                        "traceID": "5b8efff798038103",
                        "spans": [{**JAEGER_SPAN, field: HOLE}],
                        "processes": {"p1": {"serviceName": "a"}},
                    }
                ]
            },
        )
        for field in ("startTime", "duration")
    ),
]


@pytest.mark.parametrize(("field", "template"), TRACE_FIELDS, ids=[f for f, _ in TRACE_FIELDS])
@SETTINGS
@given(raw=raw_values)
def test_any_number_in_a_trace_field_is_read_or_refused_with_a_trace_format_error(
    field, template, raw
):
    try:
        spans = parse_traces(filled(template, raw), source="n.json")
    except TraceFormatError:
        return
    for span in spans:
        for value in (span.start_us, span.duration_us):
            assert value is None or -(2**64) < value < 2**64


LOG_RECORD = {
    "timeUnixNano": "1700000000000000000",
    "observedTimeUnixNano": "1700000000000000000",
    "severityNumber": 9,
    "body": {"stringValue": "x"},
}
LOG_FIELDS = [
    *(
        (field, {**LOG_RECORD, field: HOLE})
        for field in ("timeUnixNano", "observedTimeUnixNano", "severityNumber")
    ),
    ("body.intValue", {**LOG_RECORD, "body": {"intValue": HOLE}}),
    ("body.doubleValue", {**LOG_RECORD, "body": {"doubleValue": HOLE}}),
]


@pytest.mark.parametrize(("field", "record"), LOG_FIELDS, ids=[f for f, _ in LOG_FIELDS])
@SETTINGS
@given(raw=raw_values)
def test_any_number_in_a_log_field_is_a_record_a_refusal_or_a_trace_format_error(
    field, record, raw
):
    document = {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]}
    try:
        export = parse_logs(filled(document, raw), source="l.json", now_s=NOW)
    except TraceFormatError:
        return
    assert len(export.records) + export.refused.count == 1


POINT = {
    "timeUnixNano": "1700000000000000000",
    "startTimeUnixNano": "1699999990000000000",
    "asDouble": 1.5,
}
COUNTED = {"timeUnixNano": "1700000000000000000", "count": "3", "sum": 1.5}
METRIC_FIELDS = [
    *((f"gauge.{f}", {"name": "m", "gauge": {"dataPoints": [{**POINT, f: HOLE}]}}) for f in POINT),
    (
        "gauge.asInt",
        {
            "name": "m",
            "gauge": {"dataPoints": [{"timeUnixNano": "1700000000000000000", "asInt": HOLE}]},
        },
    ),
    (
        "sum.aggregationTemporality",
        {
            "name": "m",
            "sum": {"isMonotonic": True, "aggregationTemporality": HOLE, "dataPoints": [POINT]},
        },
    ),
    *(
        (f"histogram.{f}", {"name": "m", "histogram": {"dataPoints": [{**COUNTED, f: HOLE}]}})
        for f in COUNTED
    ),
    *(
        (f"summary.{f}", {"name": "m", "summary": {"dataPoints": [{**COUNTED, f: HOLE}]}})
        for f in ("count", "sum")
    ),
]


@pytest.mark.parametrize(("field", "metric"), METRIC_FIELDS, ids=[f for f, _ in METRIC_FIELDS])
@SETTINGS
@given(raw=raw_values)
def test_any_number_in_a_metric_field_is_a_value_a_refusal_or_a_trace_format_error(
    field, metric, raw
):
    document = {"resourceMetrics": [{"scopeMetrics": [{"metrics": [metric]}]}]}
    try:
        export = parse_metrics(filled(document, raw), source="m.json", cumulatives=Cumulatives())
    except TraceFormatError:
        return
    assert len(export.points) + export.refused.count + export.skipped <= 1


ALERT = {
    "status": "firing",
    "labels": {"alertname": "A", "service": "a"},
    "annotations": {},
    "startsAt": "2026-05-01T02:20:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "fingerprint": "f",
}


def webhook_with(alert: dict[str, object], truncated: object = 0) -> dict[str, object]:
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "status": "firing",
        "receiver": "svcmap",
        "alerts": [alert],
        "truncatedAlerts": truncated,
    }


WEBHOOK_FIELDS = [
    ("startsAt", webhook_with({**ALERT, "startsAt": HOLE})),
    ("endsAt", webhook_with({**ALERT, "endsAt": HOLE})),
    ("truncatedAlerts", webhook_with(ALERT, HOLE)),
]
moments = st.one_of(
    raw_values,
    st.datetimes(timezones=st.just(UTC)).map(lambda d: json.dumps(d.isoformat())),
    st.sampled_from(
        [
            '"9999-12-31T23:59:59Z"',
            '"0001-01-01T00:00:00Z"',
            '"1969-12-31T23:59:59Z"',
            '"2026-13-01T00:00:00Z"',
        ]
    ),
)


@pytest.mark.parametrize(("field", "template"), WEBHOOK_FIELDS, ids=[f for f, _ in WEBHOOK_FIELDS])
@SETTINGS
@given(raw=moments)
def test_any_time_or_number_in_an_alertmanager_webhook_is_read_or_an_alert_format_error(
    field, template, raw
):
    try:
        group = parse_webhook(filled(template, raw))
    except AlertFormatError:
        return
    for alert in group.alerts:
        assert isinstance(alert.starts_at, int)


def vector(raw_time: str, raw_value: str) -> bytes:
    document = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"client": "a", "server": "b", "le": "0.1"}, "value": ["T", "V"]},
                {"metric": {"client": "a", "server": "b", "le": "+Inf"}, "value": ["T", "V"]},
            ],
        },
    }
    return json.dumps(document).replace('"T"', raw_time).replace('"V"', raw_value).encode()


@SETTINGS
@given(raw_time=raw_values, raw_value=raw_values)
def test_any_number_in_a_prometheus_answer_gives_edges_or_a_source_error(raw_time, raw_value):
    try:
        samples = parse_edge_vector(vector(raw_time, raw_value), source="prometheus")
    except SourceError:
        return
    edges = edges_from(samples, samples, samples, samples, samples)
    for edge in edges:
        for count in (edge.calls, edge.errors, edge.server.count, *edge.server.histogram):
            assert 0 <= count < 2**63
