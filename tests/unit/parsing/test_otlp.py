"""OTLP JSON as the SDKs, the Collector, Tempo and Jaeger's api_v3 write it."""

import base64

import pytest

from topology.model import SpanKind
from topology.parsing import TraceFormat, parse_traces

from .documents import CHILD, ROOT, TRACE, as_bytes, otlp_body, otlp_span


def parse(document):
    return parse_traces(as_bytes(document), source="otlp.json")


def b64(hex_id):
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def test_an_otlp_span_is_read():
    [span] = parse(otlp_body(otlp_span(("peer.service", {"stringValue": "billing"}))))

    assert (span.trace_id, span.span_id, span.parent_id) == (TRACE, CHILD, ROOT)
    assert (span.kind, span.local_service, span.remote_service) == (
        SpanKind.CLIENT,
        "frontend",
        "billing",
    )
    assert (span.start_us, span.duration_us, span.error) == (1_600_000_000_000_000, 1500, False)


def test_base64_ids_as_tempo_writes_them_give_the_same_spans_as_hex():
    hex_spans = parse(otlp_body(otlp_span()))
    base64_spans = parse(
        otlp_body(
            otlp_span(traceId=b64(TRACE), spanId=b64(CHILD), parentSpanId=b64(ROOT)),
            key="batches",
        )
    )

    assert base64_spans == hex_spans


def test_a_64_bit_trace_id_in_base64_is_read():
    [span] = parse(otlp_body(otlp_span(traceId=b64("00000000000000ff"))))

    assert span.trace_id == "00000000000000ff"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (0, None),
        (1, None),
        (2, SpanKind.SERVER),
        (3, SpanKind.CLIENT),
        (4, SpanKind.PRODUCER),
        (5, SpanKind.CONSUMER),
        (99, None),
        ("SPAN_KIND_UNSPECIFIED", None),
        ("SPAN_KIND_INTERNAL", None),
        ("SPAN_KIND_SERVER", SpanKind.SERVER),
        ("SPAN_KIND_CLIENT", SpanKind.CLIENT),
        ("SPAN_KIND_PRODUCER", SpanKind.PRODUCER),
        ("SPAN_KIND_CONSUMER", SpanKind.CONSUMER),
        (None, None),
    ],
)
def test_kinds_are_read_as_numbers_and_as_names(kind, expected):
    [span] = parse(otlp_body(otlp_span(kind=kind)))

    assert span.kind is expected


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ({"code": 2}, True),
        ({"code": "STATUS_CODE_ERROR"}, True),
        ({"code": 1}, False),
        ({"code": "STATUS_CODE_OK"}, False),
        ({}, False),
        (None, False),
    ],
)
def test_an_error_is_the_error_status_code(status, error):
    [span] = parse(otlp_body(otlp_span(status=status)))

    assert span.error is error


def test_times_are_read_as_strings_or_numbers_of_nanoseconds():
    [text] = parse(otlp_body(otlp_span()))
    [number] = parse(
        otlp_body(
            otlp_span(
                startTimeUnixNano=1_600_000_000_000_000_000,
                endTimeUnixNano=1_600_000_000_001_500_000,
            )
        )
    )
    [absent] = parse(otlp_body(otlp_span(startTimeUnixNano=None, endTimeUnixNano=None)))

    assert (text.start_us, text.duration_us) == (number.start_us, number.duration_us)
    assert (absent.start_us, absent.duration_us) == (None, None)


def test_an_empty_parent_span_id_means_a_root():
    [span] = parse(otlp_body(otlp_span(parentSpanId="")))

    assert span.parent_id is None


def test_the_older_instrumentation_library_spans_are_read_too():
    body = otlp_body(otlp_span())
    group = body["resourceSpans"][0]
    group["instrumentationLibrarySpans"] = group.pop("scopeSpans")

    assert parse(body) == parse(otlp_body(otlp_span()))


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda body: {"result": body}, id="jaeger-api-v3"),
        pytest.param(lambda body: {"trace": body}, id="tempo-v2"),
        pytest.param(lambda body: [body], id="list-of-bodies"),
    ],
)
def test_otlp_bodies_are_read_however_they_are_wrapped(wrap):
    assert parse(wrap(otlp_body(otlp_span()))) == parse(otlp_body(otlp_span()))


def test_json_lines_of_otlp_bodies_are_read_line_by_line():
    lines = [as_bytes(otlp_body(otlp_span(spanId=f"{n:016x}"))) for n in (1, 2, 3)]
    data = b"\n".join([lines[0], b"", lines[1], lines[2]]) + b"\n"

    spans = parse_traces(data, source="export.jsonl", fmt=TraceFormat.OTLP)

    assert [span.span_id for span in spans] == [f"{n:016x}" for n in (1, 2, 3)]


def test_attribute_values_of_every_kind_are_accepted():
    [span] = parse(
        otlp_body(
            otlp_span(
                ("http.status_code", {"intValue": "200"}),
                ("ratio", {"doubleValue": "NaN"}),
                ("list", {"arrayValue": {"values": [{"stringValue": "a"}]}}),
                ("bytes", {"bytesValue": "AAAwOQ=="}),
                ("peer.service", {"kvlistValue": {"values": []}}),
            )
        )
    )

    assert span.remote_service is None


def test_a_resource_without_a_service_name_gives_spans_without_one():
    body = otlp_body(otlp_span())
    body["resourceSpans"][0]["resource"] = {}

    [span] = parse(body)

    assert span.local_service is None


def test_a_start_within_the_first_microsecond_of_1970_is_no_start_at_all():
    [span] = parse(otlp_body(otlp_span(startTimeUnixNano="999", endTimeUnixNano="5000")))

    assert span.start_us is None  # 0 would mean "no time" downstream, yet pass as a time
