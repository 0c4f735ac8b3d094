"""Every top-level shape a trace document may take, decoded in a single typed pass.

A document is an object (a Jaeger API answer or trace, an OTLP body, a Tempo or
Jaeger api_v3 answer) or a list (of Zipkin spans, Zipkin traces, Jaeger traces or
OTLP bodies). One struct per case declares the keys of every format at once, so the
file is read once, typed, and the keys found tell the format afterwards.
"""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType, field

from topology.parsing.decoding import Wire
from topology.parsing.jaeger import JaegerSpan, JaegerTrace, Process
from topology.parsing.otlp import ResourceSpans, TracesData
from topology.parsing.zipkin import ZipkinSpan


class TopObject(Wire):
    """A document that is an object; a key that is absent stays UNSET."""

    data: list[JaegerTrace] | JaegerTrace | UnsetType | None = UNSET
    trace_id: str | UnsetType | None = field(default=UNSET, name="traceID")
    spans: list[JaegerSpan] | UnsetType | None = UNSET
    processes: dict[str, Process] | None = None
    errors: msgspec.Raw = msgspec.Raw()  # Jaeger v1: [{"code": 404, "msg": ...}]
    resource_spans: list[ResourceSpans] | UnsetType | None = field(
        default=UNSET, name="resourceSpans"
    )
    batches: list[ResourceSpans] | UnsetType | None = UNSET
    result: TracesData | UnsetType | None = UNSET  # Jaeger api_v3
    trace: TracesData | UnsetType | None = UNSET  # Tempo /api/v2/traces
    error: msgspec.Raw = msgspec.Raw()  # Jaeger api_v3: {"httpCode": 404, "message": ...}


class ListItem(ZipkinSpan):
    """An element of a list document: a Zipkin span, a Jaeger trace or an OTLP body."""

    jaeger_trace_id: str | UnsetType | None = field(default=UNSET, name="traceID")
    spans: list[JaegerSpan] | UnsetType | None = UNSET
    processes: dict[str, Process] | None = None
    resource_spans: list[ResourceSpans] | UnsetType | None = field(
        default=UNSET, name="resourceSpans"
    )
    batches: list[ResourceSpans] | UnsetType | None = UNSET
    result: TracesData | UnsetType | None = UNSET
    trace: TracesData | UnsetType | None = UNSET


Document = TopObject | list[ListItem | list[ZipkinSpan]]

DECODER: msgspec.json.Decoder[Document] = msgspec.json.Decoder(Document)


def keys_of(shape: TopObject | ListItem) -> frozenset[str]:
    """The keys of a format that the object has (Zipkin's only for a list item)."""
    found = {
        name
        for name, value in (
            ("traceID", shape.trace_id if isinstance(shape, TopObject) else shape.jaeger_trace_id),
            ("spans", shape.spans),
            ("resourceSpans", shape.resource_spans),
            ("batches", shape.batches),
            ("result", shape.result),
            ("trace", shape.trace),
        )
        if value is not UNSET
    }
    if isinstance(shape, TopObject):
        if shape.data is not UNSET:
            found.add("data")
    else:
        found.update(
            name
            for name, value in (("traceId", shape.trace_id), ("id", shape.id))
            if value is not None
        )
    return frozenset(found)


def jaeger_traces(shape: TopObject | ListItem, path: str) -> list[tuple[str, JaegerTrace]]:
    """The Jaeger traces in an object: under `data` (one or a list), or the object itself."""
    if isinstance(shape, TopObject) and isinstance(shape.data, list):
        return [(f"{path}.data[{i}]", trace) for i, trace in enumerate(shape.data)]
    if isinstance(shape, TopObject) and isinstance(shape.data, JaegerTrace):
        return [(f"{path}.data", shape.data)]
    spans = shape.spans if isinstance(shape.spans, list) else None
    return [(path, JaegerTrace(spans=spans, processes=shape.processes))]


def otlp_documents(shape: TopObject | ListItem, path: str) -> list[tuple[str, TracesData]]:
    """The OTLP bodies in an object: itself, or under `result` or `trace`."""
    found = [
        (f"{path}.{key}", body)
        for key, body in (("result", shape.result), ("trace", shape.trace))
        if isinstance(body, TracesData)
    ]
    resource_spans = shape.resource_spans if isinstance(shape.resource_spans, list) else None
    batches = shape.batches if isinstance(shape.batches, list) else None
    if resource_spans is not None or batches is not None:
        found.append((path, TracesData(resource_spans=resource_spans, batches=batches)))
    return found
