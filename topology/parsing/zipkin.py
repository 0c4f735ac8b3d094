"""Zipkin v2 JSON spans, normalised the way Zipkin itself normalises them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import msgspec

from topology.model import Span, SpanKind
from topology.parsing import ids, naming
from topology.parsing.decoding import BadValueError, Wire, scalar, shown, time_number


class Endpoint(Wire, rename="camel"):
    """One side of a Zipkin span."""

    service_name: str | None = None
    ipv4: str | None = None
    ipv6: str | None = None
    port: int | None = None


class ZipkinSpan(Wire, rename="camel"):
    """The fields of a Zipkin v2 span that the map needs."""

    trace_id: str | None = None
    id: str | None = None
    parent_id: str | None = None
    kind: str | None = None
    local_endpoint: Endpoint | None = None
    remote_endpoint: Endpoint | None = None
    timestamp: int | float | None = None
    duration: int | float | None = None
    tags: dict[str, msgspec.Raw] | None = None
    shared: bool | None = None


def to_spans(items: Sequence[ZipkinSpan | Sequence[ZipkinSpan]]) -> list[Span]:
    """Spans of a list of spans, or of a list of traces (lists of spans) as `/api/v2/traces` has."""
    return items_to_spans((f"$[{i}]", item) for i, item in enumerate(items))


def items_to_spans(items: Iterable[tuple[str, ZipkinSpan | Sequence[ZipkinSpan]]]) -> list[Span]:
    """Spans of the elements of a Zipkin list, each given with its JSON path."""
    names = naming.NameCache(lower=True)
    spans: list[Span] = []
    for path, item in items:
        if isinstance(item, ZipkinSpan):
            spans.append(_read(item, names, path))
        else:
            spans.extend(_read(span, names, f"{path}[{j}]") for j, span in enumerate(item))
    return spans


def _read(span: ZipkinSpan, names: naming.NameCache, path: str) -> Span:
    try:
        return _span(span, names)
    except BadValueError as error:
        raise error.at(path) from None


def _span(span: ZipkinSpan, names: naming.NameCache) -> Span:
    trace_id = _id(span.trace_id, "traceId", ids.hex_trace_id)
    span_id = _id(span.id, "id", ids.hex_span_id)
    parent_id = None
    if span.parent_id:
        parent_id = _id(span.parent_id, "parentId", ids.hex_span_id)
        if parent_id == span_id or ids.is_null_id(parent_id):
            parent_id = None
    kind = naming.span_kind(span.kind)
    local, remote = span.local_endpoint, span.remote_endpoint
    tags = span.tags or {}
    wanted = {
        key: scalar(value) for key, value in tags.items() if key.startswith(naming.WANTED_PREFIXES)
    }
    side = naming.remote_side(kind, names(remote.service_name) if remote else None, wanted)
    return Span(
        trace_id,
        span_id,
        parent_id,
        kind,
        local_service=names(local.service_name) if local else None,
        remote_service=side.service,
        start_us=_micros(span.timestamp, "timestamp"),
        duration_us=_micros(span.duration, "duration"),
        error="error" in tags,
        shared=bool(span.shared) and kind is not SpanKind.CLIENT,
        peer_kind=side.kind,
        local_address=_address(local),
        inferred_peer=side.inferred,
    )


def _id(value: str | None, field: str, canonical: Callable[[str], str | None]) -> str:
    if not value:
        raise BadValueError(f"missing {field}")
    normalised = canonical(value)
    if normalised is None:
        raise BadValueError(f"not a hex id: {shown(value)}", field)
    return normalised


def _micros(value: float | None, field: str) -> int | None:
    # Zipkin reads zero (and less) as "not set"; Jaeger follows it.
    number = time_number(value, field, "microseconds")
    return number if number is not None and number > 0 else None


def _address(endpoint: Endpoint | None) -> tuple[str | None, str | None, int | None] | None:
    if endpoint is None:
        return None
    port = endpoint.port or None
    if endpoint.ipv4 is None and endpoint.ipv6 is None and port is None:
        return None
    return (endpoint.ipv4, endpoint.ipv6, port)
