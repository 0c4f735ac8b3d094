"""One OTLP export described once, written as protobuf (pb2 classes) or as OTLP JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

TRACE = "5b8efff798038103d269b633813fc60c"
START_NS = 1_700_000_000_000_000_000  # a minute before the web tests' NOW

Value = str | bool | int | float


@dataclass
class OtlpSpanSpec:
    """A span as a test wants it; ids are hex."""

    span_id: str
    parent_id: str = ""
    kind: int = Span.SPAN_KIND_INTERNAL
    attributes: dict[str, Value] = field(default_factory=dict)
    error: bool = False
    trace_id: str = TRACE
    start_ns: int = START_NS
    duration_ns: int = 1_500_000


def _any_value(value: Value) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    return AnyValue(string_value=value)


def _json_value(value: Value) -> dict[str, object]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def as_protobuf(resources: dict[str, list[OtlpSpanSpec]]) -> ExportTraceServiceRequest:
    """The export as the pb2 message: one resource per service name."""
    request = ExportTraceServiceRequest()
    for service, specs in resources.items():
        group = request.resource_spans.add()
        group.resource.attributes.append(
            KeyValue(key="service.name", value=AnyValue(string_value=service))
        )
        scope = group.scope_spans.add()
        for spec in specs:
            scope.spans.append(
                Span(
                    trace_id=bytes.fromhex(spec.trace_id),
                    span_id=bytes.fromhex(spec.span_id),
                    parent_span_id=bytes.fromhex(spec.parent_id),
                    name="op",
                    kind=spec.kind,
                    start_time_unix_nano=spec.start_ns,
                    end_time_unix_nano=spec.start_ns + spec.duration_ns,
                    attributes=[
                        KeyValue(key=k, value=_any_value(v)) for k, v in spec.attributes.items()
                    ],
                    status=Status(code=Status.STATUS_CODE_ERROR if spec.error else 0),
                )
            )
    return request


def as_json(resources: dict[str, list[OtlpSpanSpec]]) -> bytes:
    """The export as OTLP JSON (hex ids, int64 as strings)."""
    groups = []
    for service, specs in resources.items():
        spans = [
            {
                "traceId": spec.trace_id.upper(),
                "spanId": spec.span_id,
                "parentSpanId": spec.parent_id,
                "name": "op",
                "kind": spec.kind,
                "startTimeUnixNano": str(spec.start_ns),
                "endTimeUnixNano": str(spec.start_ns + spec.duration_ns),
                "attributes": [
                    {"key": k, "value": _json_value(v)} for k, v in spec.attributes.items()
                ],
                "status": {"code": 2 if spec.error else 0},
            }
            for spec in specs
        ]
        groups.append(
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": service}}]
                },
                "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}],
            }
        )
    return json.dumps({"resourceSpans": groups}).encode()


CLIENT, SERVER, PRODUCER, CONSUMER = (
    Span.SPAN_KIND_CLIENT,
    Span.SPAN_KIND_SERVER,
    Span.SPAN_KIND_PRODUCER,
    Span.SPAN_KIND_CONSUMER,
)


def frontend_calls_cart(
    trace_id: str = TRACE, start_ns: int = START_NS
) -> dict[str, list[OtlpSpanSpec]]:
    """A frontend CLIENT span and the cart SERVER span under it, plus a cart db call."""
    return {
        "frontend": [
            OtlpSpanSpec("a000000000000001", trace_id=trace_id, start_ns=start_ns),
            OtlpSpanSpec(
                "a000000000000002", "a000000000000001", CLIENT, trace_id=trace_id, start_ns=start_ns
            ),
        ],
        "cart": [
            OtlpSpanSpec(
                "b000000000000001", "a000000000000002", SERVER, trace_id=trace_id, start_ns=start_ns
            ),
            OtlpSpanSpec(
                "b000000000000002",
                "b000000000000001",
                CLIENT,
                {"db.system": "redis"},
                error=True,
                trace_id=trace_id,
                start_ns=start_ns,
            ),
        ],
    }
