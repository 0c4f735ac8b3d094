"""OTLP protobuf exports (`ExportTraceServiceRequest`, the OTLP/HTTP binary body).

The mapping is the OTLP JSON one (`topology.parsing.otlp`), read straight from the
protobuf message's fields. A span without a usable trace or span id is rejected on its
own and counted; a body that is not an export at all raises `TraceFormatError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import DecodeError  # type: ignore[import-untyped]  # no stubs
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from topology.errors import TraceFormatError
from topology.gcpause import paused_gc
from topology.model import Span, SpanKind
from topology.parsing import ids, naming
from topology.parsing.decoding import Scalar

_KINDS = {2: SpanKind.SERVER, 3: SpanKind.CLIENT, 4: SpanKind.PRODUCER, 5: SpanKind.CONSUMER}
_STATUS_ERROR = 2
_SERVICE_NAME = "service.name"
_TRACE_ID_BYTES = 16
_SPAN_ID_BYTES = 8
_SCALARS = ("string_value", "bool_value", "int_value", "double_value")


@dataclass(slots=True)
class OtlpExport:
    """The usable spans of one export, and how many spans were rejected and why."""

    spans: list[Span] = field(default_factory=list)
    rejected: int = 0
    reason: str | None = None


def read_otlp_protobuf(data: bytes, *, source: str) -> OtlpExport:
    """The spans of a protobuf export, with the count of spans rejected for bad ids."""
    with paused_gc():
        try:
            request = ExportTraceServiceRequest.FromString(data)
        except (DecodeError, RuntimeError, ValueError):
            raise TraceFormatError(f"{source}: not an OTLP protobuf export") from None
        export = OtlpExport()
        names = naming.NameCache()
        for group in request.resource_spans:
            service = _service(group.resource.attributes, names)
            for scope in group.scope_spans:
                _add_spans(export, scope.spans, service)
        return export


def _service(attributes: Iterable[Any], names: naming.NameCache) -> str | None:
    service = None
    for attribute in attributes:
        if attribute.key == _SERVICE_NAME:
            value = attribute.value
            service = names(value.string_value) if value.HasField("string_value") else None
    return service


def _add_spans(export: OtlpExport, spans: Iterable[Any], service: str | None) -> None:
    append = export.spans.append
    kinds = _KINDS
    for span in spans:
        raw_trace = span.trace_id
        raw_span = span.span_id
        if len(raw_trace) != _TRACE_ID_BYTES or len(raw_span) != _SPAN_ID_BYTES:
            export.rejected += 1
            export.reason = "a span has no valid trace id (16 bytes) or span id (8 bytes)"
            continue
        trace_id = ids.hex_trace_id(raw_trace.hex())
        span_id = raw_span.hex()
        raw_parent = span.parent_span_id
        parent_id = raw_parent.hex() if len(raw_parent) == _SPAN_ID_BYTES else None
        if parent_id is not None and (parent_id == span_id or ids.is_null_id(parent_id)):
            parent_id = None
        kind = kinds.get(span.kind)
        wanted: dict[str, Scalar] = {}
        for attribute in span.attributes:
            key = attribute.key
            if key.startswith(naming.WANTED_PREFIXES):
                wanted[key] = _scalar(attribute.value)
        side = naming.remote_side(kind, naming.text(wanted.get(naming.PEER_SERVICE)), wanted)
        start = span.start_time_unix_nano
        end = span.end_time_unix_nano
        append(
            Span(
                trace_id or raw_trace.hex(),
                span_id,
                parent_id,
                kind,
                local_service=service,
                remote_service=side.service or side.inferred,
                start_us=start // 1000 or None,  # under a microsecond after 1970: no time
                duration_us=(end - start) // 1000 if start and end and end >= start else None,
                error=span.status.code == _STATUS_ERROR,
                peer_kind=side.kind,
                inferred_peer=side.inferred,
            )
        )


def _scalar(value: Any) -> Scalar:  # noqa: ANN401 - an AnyValue message, untyped
    """An AnyValue as a plain value; None for arrays, maps, bytes and unset values."""
    which = value.WhichOneof("value")
    if which in _SCALARS:
        result: Scalar = getattr(value, which)
        return result
    return None
