"""Small trace documents built in tests, in each format."""

from __future__ import annotations

import json

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT = "eee19b7ec3c1b173"
CHILD = "eee19b7ec3c1b174"


def as_bytes(document: object) -> bytes:
    """A document as the bytes a file or an HTTP body holds."""
    return json.dumps(document).encode()


def zipkin_span(**fields: object) -> dict[str, object]:
    """A Zipkin v2 client span, with `fields` overriding or adding keys."""
    span: dict[str, object] = {
        "traceId": TRACE,
        "id": CHILD,
        "parentId": ROOT,
        "kind": "CLIENT",
        "timestamp": 1_600_000_000_000_000,
        "duration": 1500,
        "localEndpoint": {"serviceName": "frontend"},
    }
    span.update(fields)
    return span


def jaeger_span(*tags: tuple[str, object], **fields: object) -> dict[str, object]:
    """A Jaeger span of process p1 with `tags` as (key, value), `fields` overriding keys."""
    span: dict[str, object] = {
        "traceID": TRACE,
        "spanID": CHILD,
        "operationName": "GET /",
        "references": [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": ROOT}],
        "startTime": 1_600_000_000_000_000,
        "duration": 1500,
        "processID": "p1",
        "tags": [{"key": key, "type": "string", "value": value} for key, value in tags],
    }
    span.update(fields)
    return span


def jaeger_trace(*spans: dict[str, object]) -> dict[str, object]:
    """A Jaeger trace of `spans`, whose process p1 is `frontend`."""
    processes = {"p1": {"serviceName": "frontend"}}
    return {"traceID": TRACE, "spans": list(spans), "processes": processes}


def otlp_span(*attributes: tuple[str, dict[str, object]], **fields: object) -> dict[str, object]:
    """An OTLP client span with `attributes` as (key, AnyValue), `fields` overriding keys."""
    span: dict[str, object] = {
        "traceId": TRACE,
        "spanId": CHILD,
        "parentSpanId": ROOT,
        "name": "GET /",
        "kind": 3,
        "startTimeUnixNano": "1600000000000000000",
        "endTimeUnixNano": "1600000000001500000",
        "attributes": [{"key": key, "value": value} for key, value in attributes],
    }
    span.update(fields)
    return span


def otlp_body(*spans: dict[str, object], key: str = "resourceSpans") -> dict[str, object]:
    """An OTLP body of `spans` from service `frontend`, under `key` (Tempo says `batches`)."""
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "frontend"}}]}
    return {key: [{"resource": resource, "scopeSpans": [{"scope": {}, "spans": list(spans)}]}]}
