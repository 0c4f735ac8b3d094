"""OTLP JSON spans (OTLP/HTTP bodies, file exports, Tempo and Jaeger api_v3 answers)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from topology.model import Span, SpanKind
from topology.parsing import ids, naming
from topology.parsing.decoding import BadValueError, Scalar, Wire, shown, time_number

_KINDS = {2: SpanKind.SERVER, 3: SpanKind.CLIENT, 4: SpanKind.PRODUCER, 5: SpanKind.CONSUMER}
_KIND_NAMES = {kind.name: kind for kind in _KINDS.values()}
_STATUS_ERROR = 2
_SERVICE_NAME = "service.name"


class AnyValue(Wire, rename="camel"):
    """The scalar cases of an attribute value; lists, maps and bytes are not needed."""

    string_value: str | None = None
    bool_value: bool | None = None
    int_value: int | str | None = None  # int64 is a string in proto3 JSON
    double_value: float | str | None = None  # so are NaN and Infinity


class KeyValue(Wire):
    """An attribute; the value is decoded only for the keys the map reads."""

    key: str = ""
    value: msgspec.Raw = msgspec.Raw()


class Status(Wire):
    """A span's status."""

    code: int | str | None = None


class OtlpSpan(Wire, rename="camel"):
    """The fields of an OTLP span that the map needs."""

    trace_id: str
    span_id: str
    parent_span_id: str | None = None
    kind: int | str | None = None
    start_time_unix_nano: int | float | str | None = None
    end_time_unix_nano: int | float | str | None = None
    attributes: list[KeyValue] | None = None
    status: Status | None = None


class ScopeSpans(Wire):
    """The spans of one instrumentation scope (or library, in older exporters)."""

    spans: list[OtlpSpan] | None = None


class Resource(Wire):
    """What reported the spans; its `service.name` is the local service."""

    attributes: list[KeyValue] | None = None


class ResourceSpans(Wire, rename="camel"):
    """The spans of one resource."""

    resource: Resource | None = None
    scope_spans: list[ScopeSpans] | None = None
    instrumentation_library_spans: list[ScopeSpans] | None = None


class TracesData(Wire, rename="camel"):
    """An OTLP document: `resourceSpans`, or `batches` as Tempo names them."""

    resource_spans: list[ResourceSpans] | None = None
    batches: list[ResourceSpans] | None = None


_ANY_VALUE = msgspec.json.Decoder(AnyValue)


def to_spans(documents: Iterable[tuple[str, TracesData | ResourceSpans]]) -> list[Span]:
    """Spans of OTLP documents or resources, each given with its JSON path for error messages."""
    names = naming.NameCache()
    trace_ids: dict[str, str] = {}  # raw -> canonical: a trace's spans repeat its id
    spans: list[Span] = []
    for path, document in documents:
        if isinstance(document, ResourceSpans):
            spans.extend(_resource_spans(document, names, trace_ids, path))
            continue
        for key, groups in (
            ("resourceSpans", document.resource_spans),
            ("batches", document.batches),
        ):
            for i, group in enumerate(groups or ()):
                spans.extend(_resource_spans(group, names, trace_ids, f"{path}.{key}[{i}]"))
    return spans


def _resource_spans(
    group: ResourceSpans, names: naming.NameCache, trace_ids: dict[str, str], path: str
) -> list[Span]:
    attributes = group.resource.attributes if group.resource is not None else None
    service = None
    for attribute in attributes or ():
        if attribute.key == _SERVICE_NAME:
            value = value_of(attribute.value)
            service = names(value) if isinstance(value, str) else None
    spans: list[Span] = []
    for key, scopes in (
        ("scopeSpans", group.scope_spans),
        ("instrumentationLibrarySpans", group.instrumentation_library_spans),
    ):
        for i, scope in enumerate(scopes or ()):
            for j, span in enumerate(scope.spans or ()):
                try:
                    spans.append(_span(span, service, trace_ids))
                except BadValueError as error:
                    raise error.at(f"{path}.{key}[{i}].spans[{j}]") from None
    return spans


def _span(span: OtlpSpan, service: str | None, trace_ids: dict[str, str]) -> Span:
    trace_id = trace_ids.get(span.trace_id)
    if trace_id is None:
        trace_id = ids.otlp_trace_id(span.trace_id)
        if trace_id is None:
            raise BadValueError(f"not a hex or base64 trace id: {shown(span.trace_id)}", "traceId")
        trace_ids[span.trace_id] = trace_id
    span_id = _span_id(span.span_id, "spanId")
    parent_id = span.parent_span_id or None
    if parent_id is not None:
        parent_id = _span_id(parent_id, "parentSpanId")
        if parent_id == span_id or ids.is_null_id(parent_id):
            parent_id = None
    kind = _kind(span.kind)
    side = naming.NOBODY  # what a span without attributes says of its remote side
    if span.attributes:
        wanted: dict[str, Scalar] = {}
        for attribute in span.attributes:
            if attribute.key.startswith(naming.WANTED_PREFIXES):
                wanted[attribute.key] = value_of(attribute.value)
        side = naming.remote_side(kind, naming.text(wanted.get(naming.PEER_SERVICE)), wanted)
    start = _nanos(span.start_time_unix_nano, "startTimeUnixNano")
    end = _nanos(span.end_time_unix_nano, "endTimeUnixNano")
    code = span.status.code if span.status is not None else None
    return Span(
        trace_id,
        span_id,
        parent_id,
        kind,
        local_service=service,
        # OTLP follows the OpenTelemetry servicegraph connector: db and messaging
        # attributes name a virtual peer when no peer.service does.
        remote_service=side.service or side.inferred,
        start_us=(start or 0) // 1000 or None,  # under a microsecond after 1970: no time
        duration_us=(end - start) // 1000 if start and end and end >= start else None,
        error=_is_error(code),
        peer_kind=side.kind,
        inferred_peer=side.inferred,
    )


def _span_id(value: str, field: str) -> str:
    """A span id in canonical hex, from hex in any case or length, or base64."""
    span_id = ids.otlp_span_id(value)
    if span_id is None:
        raise BadValueError(f"not a hex or base64 span id: {shown(value)}", field)
    return span_id


def value_of(raw: msgspec.Raw) -> Scalar:
    """An attribute's AnyValue as a plain value; None for lists, maps, bytes and junk."""
    try:
        value = _ANY_VALUE.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if value.string_value is not None:
        return value.string_value
    if value.bool_value is not None:
        return value.bool_value
    if isinstance(value.int_value, str):
        try:
            return int(value.int_value)
        except ValueError:
            return value.int_value
    return value.int_value if value.int_value is not None else value.double_value


def _kind(value: int | str | None) -> SpanKind | None:
    """An enum as a number (3) or a name (`SPAN_KIND_CLIENT`, as Tempo writes it)."""
    if isinstance(value, int):
        return _KINDS.get(value)
    return _KIND_NAMES.get(value.upper().removeprefix("SPAN_KIND_")) if value else None


def _is_error(code: int | str | None) -> bool:
    if isinstance(code, str):
        return code.upper().removeprefix("STATUS_CODE_") == "ERROR"
    return code == _STATUS_ERROR


def _nanos(value: float | str | None, field: str) -> int | None:
    """A time (OTLP's are unsigned); 0 is unset."""
    return time_number(value, field, "nanoseconds", signed=False) or None
