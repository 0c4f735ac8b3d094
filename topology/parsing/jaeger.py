"""Jaeger JSON (the v1 API and UI format) spans, mapped to the Zipkin model.

The mapping is the one `shared/fixtures/traces/expected-links.json` was made with:
the `span.kind` tag is the kind, the process's service is the local service,
`peer.service` the remote one, and a true `error` tag (or `otel.status_code` ERROR)
an error. Times are already microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from topology.model import Span, SpanKind
from topology.parsing import ids, naming
from topology.parsing.decoding import (
    TIME_LIMIT,
    BadValueError,
    Scalar,
    Wire,
    scalar,
    time_number,
)

_CHILD_OF = "CHILD_OF"
_FOLLOWS_FROM = "FOLLOWS_FROM"
_HEX = "0123456789abcdef"
_SHORT_ID = 16
_SPAN_KIND = "span.kind"
_ERROR = "error"
_STATUS = "otel.status_code"
_WANTED = naming.WANTED_PREFIXES
_KINDS = {kind.value: kind for kind in SpanKind}


class Tag(Wire):
    """A typed key-value; the value is decoded only for the keys the map reads."""

    key: str = ""
    value: msgspec.Raw = msgspec.Raw()


class Reference(Wire):
    """A link from a span to another, usually its parent."""

    ref_type: str | None = msgspec.field(default=None, name="refType")
    trace_id: str | None = msgspec.field(default=None, name="traceID")
    span_id: str | None = msgspec.field(default=None, name="spanID")


class Process(Wire):
    """The process that reported spans."""

    service_name: str | None = msgspec.field(default=None, name="serviceName")


class JaegerSpan(Wire):
    """The fields of a Jaeger span that the map needs."""

    trace_id: str = msgspec.field(name="traceID")
    span_id: str = msgspec.field(name="spanID")
    references: list[Reference] | None = None
    parent_span_id: str | None = msgspec.field(default=None, name="parentSpanID")  # deprecated
    start_time: int | float | None = msgspec.field(default=None, name="startTime")
    duration: int | float | None = None
    tags: list[Tag] | None = None
    process_id: str | None = msgspec.field(default=None, name="processID")
    process: Process | None = None


class JaegerTrace(Wire):
    """A trace: its spans and the processes they name by id."""

    spans: list[JaegerSpan] | None
    processes: dict[str, Process] | None = None


def to_spans(traces: Iterable[tuple[str, JaegerTrace]]) -> list[Span]:
    """Spans of Jaeger traces, each given with its JSON path for error messages."""
    names = naming.NameCache()
    spans: list[Span] = []
    for path, trace in traces:
        services = {pid: names(p.service_name) for pid, p in (trace.processes or {}).items()}
        trace_ids: dict[str, str] = {}
        for i, span in enumerate(trace.spans or ()):
            try:
                spans.append(_span(span, services, trace_ids, names))
            except BadValueError as error:
                raise error.at(f"{path}.spans[{i}]") from None
    return spans


def _span(
    span: JaegerSpan,
    services: dict[str, str | None],
    trace_ids: dict[str, str],
    names: naming.NameCache,
) -> Span:
    # A million spans pass here: the common shapes (canonical ids, one CHILD_OF reference
    # in the same trace, whole positive times, a process by id) are read inline, and
    # anything else takes the general path below, which gives the same answers.
    raw_trace_id = span.trace_id
    if not raw_trace_id:
        raise BadValueError("empty traceID")
    raw_span_id = span.span_id
    if not raw_span_id:
        raise BadValueError("empty spanID")
    trace_id = trace_ids.get(raw_trace_id)
    if trace_id is None:
        trace_id = trace_ids[raw_trace_id] = ids.jaeger_trace_id(raw_trace_id)
    span_id = (
        raw_span_id
        if len(raw_span_id) == _SHORT_ID and not raw_span_id.strip(_HEX)
        else ids.jaeger_span_id(raw_span_id)
    )
    parent_id = _parent_of(span, trace_id)
    if parent_id is not None and (parent_id == span_id or not parent_id.strip("0")):
        parent_id = None

    kind, side, error = tag_facts(span.tags)
    start = span.start_time
    duration = span.duration
    process = span.process
    process_id = span.process_id
    # Positional, in the order of Span's fields: a million keyword calls cost a quarter second.
    return Span(
        trace_id,
        span_id,
        parent_id,
        kind,
        (
            names(process.service_name)
            if process is not None
            else services.get(process_id)
            if process_id is not None
            else None
        ),
        side.service,
        start if type(start) is int and 0 < start < TIME_LIMIT else _micros(start, "startTime"),
        (
            duration
            if type(duration) is int and 0 < duration < TIME_LIMIT
            else _micros(duration, "duration")
        ),
        error,
        False,  # shared: Jaeger spans have ids of their own
        side.kind,
        None,  # local_address: Jaeger gives none
        side.inferred,
    )


def tag_facts(tags: list[Tag] | None) -> tuple[SpanKind | None, naming.RemoteSide, bool]:
    """A span's kind, remote side and error, from the tags the map reads."""
    if not tags:
        return None, naming.NOBODY, False
    kind_raw: msgspec.Raw | None = None
    for tag in tags:
        key = tag.key
        if key.startswith(_WANTED):
            if key != _SPAN_KIND:
                break
            kind_raw = tag.value
    else:  # the common span: its kind alone, or nothing the map reads
        kind_value = None if kind_raw is None else scalar(kind_raw)
        if type(kind_value) is not str:
            return None, naming.NOBODY, False
        return _KINDS.get(kind_value) or _KINDS.get(kind_value.lower()), naming.NOBODY, False
    wanted: dict[str, Scalar] = {}
    for tag in tags:
        key = tag.key
        if key.startswith(_WANTED):
            wanted[key] = scalar(tag.value)
    kind_value = wanted.get(_SPAN_KIND)
    kind = _KINDS.get(kind_value.lower()) if isinstance(kind_value, str) else None
    peer = wanted.get(naming.PEER_SERVICE)
    side = (
        naming.NOBODY
        if peer is None and kind is SpanKind.SERVER
        else naming.remote_side(kind, naming.text(peer), wanted)
    )
    if _ERROR in wanted or _STATUS in wanted:
        status = wanted.get(_STATUS)
        error = naming.is_true(wanted.get(_ERROR)) or (
            isinstance(status, str) and status.upper() == "ERROR"
        )
    else:
        error = False
    return kind, side, error


def _parent_of(span: JaegerSpan, trace_id: str) -> str | None:
    """As `_parent_id`, read at once when the span has one CHILD_OF reference in its trace."""
    references = span.references
    if references is not None and len(references) == 1:
        only = references[0]
        if only.ref_type == _CHILD_OF and only.trace_id == span.trace_id:
            return ids.jaeger_span_id(only.span_id) if only.span_id else None
    return _parent_id(span, trace_id)


def _parent_id(span: JaegerSpan, trace_id: str) -> str | None:
    """The first CHILD_OF reference in the trace, else FOLLOWS_FROM, else the first one."""
    references = span.references
    if not references:
        return ids.jaeger_span_id(span.parent_span_id) if span.parent_span_id else None
    follows: Reference | None = None
    for reference in references:
        ref_trace = reference.trace_id
        if ref_trace and ref_trace != span.trace_id and ids.jaeger_trace_id(ref_trace) != trace_id:
            continue
        ref_type = (reference.ref_type or "").upper()
        if ref_type == _CHILD_OF:
            return _span_id_of(reference)
        if ref_type == _FOLLOWS_FROM and follows is None:
            follows = reference
    return _span_id_of(follows or references[0])


def _span_id_of(reference: Reference) -> str | None:
    return ids.jaeger_span_id(reference.span_id) if reference.span_id else None


def _micros(value: float | None, field: str) -> int | None:
    # Zipkin reads zero (and less) as "not set"; Jaeger follows it.
    number = time_number(value, field, "microseconds")
    return number if number is not None and number > 0 else None
