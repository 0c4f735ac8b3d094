"""The demo's spans and log lines as OTLP export requests, the way a Collector batches them."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, SeverityNumber
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from bot.demo.logs import ERROR, INFO, WARN, DemoLog
from bot.demo.traces import CLIENT, CONSUMER, INTERNAL, PRODUCER, SERVER, DemoSpan

SCOPE = "svcmap.demo"
_KINDS = {
    INTERNAL: Span.SPAN_KIND_INTERNAL,
    SERVER: Span.SPAN_KIND_SERVER,
    CLIENT: Span.SPAN_KIND_CLIENT,
    PRODUCER: Span.SPAN_KIND_PRODUCER,
    CONSUMER: Span.SPAN_KIND_CONSUMER,
}


def export_request(spans: Iterable[DemoSpan]) -> bytes:
    """Protobuf bytes of one export: a resource per service, its spans under one scope."""
    request = ExportTraceServiceRequest()
    groups: dict[str, object] = {}
    for span in spans:
        scope = groups.get(span.service)
        if scope is None:
            group = request.resource_spans.add()
            group.resource.attributes.extend(
                [_pair("service.name", span.service), _pair("service.namespace", "shop")]
            )
            scope = group.scope_spans.add()
            scope.scope.name = SCOPE
            groups[span.service] = scope
        scope.spans.append(  # type: ignore[attr-defined]
            Span(
                trace_id=span.trace_id,
                span_id=span.span_id,
                parent_span_id=span.parent_id,
                name=span.name,
                kind=_KINDS[span.kind],
                start_time_unix_nano=span.start_ns,
                end_time_unix_nano=span.end_ns,
                attributes=[_pair(key, value) for key, value in span.attrs.items()],
                status=Status(code=Status.STATUS_CODE_ERROR) if span.error else Status(),
            )
        )
    return bytes(request.SerializeToString())


def export_logs(lines: Iterable[DemoLog]) -> bytes:
    """Protobuf bytes of one logs export: a resource per service, its lines under one scope."""
    request = ExportLogsServiceRequest()
    groups: dict[str, object] = {}
    for line in lines:
        scope = groups.get(line.service)
        if scope is None:
            group = request.resource_logs.add()
            group.resource.attributes.extend(
                [_pair("service.name", line.service), _pair("service.namespace", "shop")]
            )
            scope = group.scope_logs.add()
            scope.scope.name = SCOPE
            groups[line.service] = scope
        scope.log_records.append(  # type: ignore[attr-defined]
            LogRecord(
                time_unix_nano=line.time_ns,
                observed_time_unix_nano=line.time_ns,
                severity_number=_SEVERITIES[line.severity],
                severity_text=line.severity,
                body=AnyValue(string_value=line.body),
                attributes=[_pair(key, value) for key, value in line.attrs.items()],
                trace_id=line.trace_id,
                span_id=line.span_id,
            )
        )
    return bytes(request.SerializeToString())


_SEVERITIES = {
    INFO: SeverityNumber.SEVERITY_NUMBER_INFO,
    WARN: SeverityNumber.SEVERITY_NUMBER_WARN,
    ERROR: SeverityNumber.SEVERITY_NUMBER_ERROR,
}


def _pair(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))
