"""Whatever it is given, the parser returns spans or refuses with a TraceFormatError."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topology.errors import TraceFormatError
from topology.model import Span
from topology.parsing import TraceFormat, parse_traces

# No deadline and no speed check: the machines these run on are shared and busy.
SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
hex_ids = st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=34)
ids = st.one_of(hex_ids, hex_ids, hex_ids, st.text(max_size=20))
times = st.integers(min_value=-(2**65), max_value=2**65)
nanos = st.one_of(times, times.map(str), st.text(max_size=25))


def mostly(values):
    """Plausible values nineteen times in twenty, anything at all otherwise."""
    return st.integers(0, 19).flatmap(lambda roll: values if roll else json_values)


def shaped(required: dict, optional: dict):
    """Objects with a format's keys, mostly holding plausible values."""
    return st.fixed_dictionaries(
        {key: mostly(values) for key, values in required.items()},
        optional={key: mostly(values) for key, values in optional.items()},
    )


endpoints = shaped(
    {}, {"serviceName": st.text(max_size=10), "ipv4": st.text(max_size=10), "port": st.integers()}
)
zipkin_spans = shaped(
    {"traceId": ids, "id": ids},
    {
        "parentId": ids,
        "kind": st.sampled_from(["CLIENT", "SERVER", "PRODUCER", "x"]),
        "localEndpoint": endpoints,
        "remoteEndpoint": endpoints,
        "timestamp": times,
        "duration": times,
        "tags": st.dictionaries(st.text(max_size=12), json_values, max_size=3),
        "shared": st.booleans(),
    },
)
tags = st.lists(
    shaped(
        {
            "key": st.sampled_from(
                ["span.kind", "error", "peer.service", "db.system", "messaging.system", "x"]
            )
        },
        {"value": json_values},
    ),
    max_size=4,
)
jaeger_spans = shaped(
    {"traceID": ids, "spanID": ids},
    {
        "references": st.lists(
            shaped(
                {},
                {
                    "refType": st.sampled_from(["CHILD_OF", "FOLLOWS_FROM"]),
                    "traceID": ids,
                    "spanID": ids,
                },
            ),
            max_size=3,
        ),
        "startTime": times,
        "duration": times,
        "tags": tags,
        "processID": st.text(max_size=3),
        "process": shaped({}, {"serviceName": st.text(max_size=10)}),
    },
)
jaeger_traces = shaped(
    {"spans": st.lists(jaeger_spans, max_size=3)},
    {
        "traceID": ids,
        "processes": st.dictionaries(st.text(max_size=3), shaped({}, {"serviceName": st.text()})),
    },
)
attributes = st.lists(
    shaped(
        {"key": st.sampled_from(["peer.service", "service.name", "db.name"])},
        {"value": shaped({}, {"stringValue": st.text(), "intValue": nanos})},
    ),
    max_size=3,
)
otlp_spans = shaped(
    {"traceId": ids, "spanId": ids},
    {
        "parentSpanId": ids,
        "kind": st.one_of(st.integers(), st.text(max_size=20)),
        "startTimeUnixNano": nanos,
        "endTimeUnixNano": nanos,
        "attributes": attributes,
        "status": shaped({}, {"code": st.one_of(st.integers(), st.text(max_size=20))}),
    },
)
otlp_bodies = shaped(
    {},
    {
        "resourceSpans": st.lists(
            shaped(
                {},
                {
                    "resource": shaped({}, {"attributes": attributes}),
                    "scopeSpans": st.lists(
                        shaped({}, {"spans": st.lists(otlp_spans, max_size=3)}), max_size=2
                    ),
                },
            ),
            max_size=2,
        )
    },
)

documents = st.one_of(
    json_values,
    st.lists(zipkin_spans, max_size=4),
    st.lists(st.lists(zipkin_spans, max_size=3), max_size=3),
    shaped(
        {},
        {
            "data": st.one_of(st.lists(jaeger_traces, max_size=2), jaeger_traces),
            "errors": json_values,
        },
    ),
    jaeger_traces,
    otlp_bodies,
    shaped({}, {"result": otlp_bodies, "batches": json_values}),
)


def spans_or_refusal(data: bytes, fmt: TraceFormat | None = None) -> list[Span] | None:
    try:
        spans = parse_traces(data, source="prop.json", fmt=fmt)
    except TraceFormatError as error:
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:
        assert refusal.startswith("prop.json: ")
        return None
    assert isinstance(spans, list)
    for span in spans:
        assert isinstance(span, Span)
        assert isinstance(span.trace_id, str)
        assert span.trace_id
        assert isinstance(span.span_id, str)
        assert span.span_id
        assert span.parent_id is None or isinstance(span.parent_id, str)
        for name in (span.local_service, span.remote_service, span.inferred_peer):
            assert name is None or (isinstance(name, str) and 0 < len(name) <= 200)
        for number in (span.start_us, span.duration_us):
            assert number is None or (isinstance(number, int) and number > 0)
    return spans


@SETTINGS
@given(json_values)
def test_any_json_value_gives_spans_or_a_trace_format_error(value):
    spans_or_refusal(json.dumps(value).encode())


@SETTINGS
@given(documents, st.none() | st.sampled_from(TraceFormat))
def test_any_document_shaped_like_traces_gives_spans_or_a_trace_format_error(document, fmt):
    spans_or_refusal(json.dumps(document).encode(), fmt)


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_give_spans_or_a_trace_format_error(data):
    spans_or_refusal(data)


@SETTINGS
@given(st.lists(documents, min_size=2, max_size=3))
def test_any_json_lines_give_spans_or_a_trace_format_error(lines):
    spans_or_refusal(b"\n".join(json.dumps(line).encode() for line in lines))


@SETTINGS
@given(documents, st.data())
def test_a_document_with_a_byte_changed_gives_spans_or_a_trace_format_error(document, data):
    text = bytearray(json.dumps(document).encode())
    at = data.draw(st.integers(0, len(text) - 1))
    text[at] = data.draw(st.integers(0, 255))
    spans_or_refusal(bytes(text))


@SETTINGS
@given(documents)
def test_a_document_cut_short_gives_spans_or_a_trace_format_error(document):
    data = json.dumps(document).encode()
    spans_or_refusal(data[: len(data) // 2])
