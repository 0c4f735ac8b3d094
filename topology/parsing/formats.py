"""Which trace format a document, or an element of a list document, is in, by its keys."""

from __future__ import annotations

from collections.abc import Set

from topology.errors import TraceFormatError
from topology.trace_formats import TraceFormat

NOT_A = {
    fmt: f"not {'an' if fmt is TraceFormat.OTLP else 'a'} {fmt.label} document"
    for fmt in TraceFormat
}
OTLP_KEYS = frozenset({"resourceSpans", "batches", "result", "trace"})
JAEGER_KEYS = frozenset({"data", "traceID", "spans"})
ZIPKIN_KEYS = frozenset({"traceId", "id"})
NOT_AN_ITEM = "$[0]: not a Zipkin span, a Jaeger trace or an OTLP document"


def object_format(keys: Set[str]) -> TraceFormat | None:
    """The format of an object document with these keys, if any."""
    if keys & OTLP_KEYS:
        return TraceFormat.OTLP
    return TraceFormat.JAEGER if keys & JAEGER_KEYS else None


def item_format(keys: Set[str]) -> TraceFormat | None:
    """The format of an object in a list document with these keys, if any."""
    if keys & OTLP_KEYS:
        return TraceFormat.OTLP
    if keys & (JAEGER_KEYS - {"data"}):
        return TraceFormat.JAEGER
    return TraceFormat.ZIPKIN if keys & ZIPKIN_KEYS else None


def insist(fmt: TraceFormat | None, found: TraceFormat) -> None:
    """Refuse a document found to be in another format than the one insisted on."""
    if fmt is not None and fmt is not found:
        raise TraceFormatError(f"{NOT_A[fmt]}: it looks like {found.label}")
