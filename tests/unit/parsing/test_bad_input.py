"""Documents that cannot be read are refused with the source named and the place shown."""

import gc
import gzip
import json

import pytest

from topology.errors import TraceFormatError
from topology.parsing import TraceFormat, parse_traces

from .documents import as_bytes, jaeger_span, jaeger_trace, otlp_body, otlp_span, zipkin_span


def refusal(data, fmt=None):
    with pytest.raises(TraceFormatError) as caught:
        parse_traces(data, source="orders.json", fmt=fmt)
    message = str(caught.value)
    assert message.startswith("orders.json: ")
    return message.removeprefix("orders.json: ")


def test_text_that_is_not_json_is_refused_with_its_line_and_column():
    message = refusal(b'[\n  {"traceId": "a",\n    "id" "b"}\n]')
    assert message.startswith("not JSON (line 3, column 10): ")


def test_truncated_json_is_refused():
    data = as_bytes([zipkin_span()])

    assert refusal(data[: len(data) // 2]) == "not JSON: it ends too early"


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data):
    assert refusal(data) == "empty document"


@pytest.mark.parametrize(
    ("data", "got"),
    [(b"42", "an integer"), (b'"spans"', "a string"), (b"null", "null"), (b"true", "a boolean")],
)
def test_a_document_that_is_neither_an_object_nor_a_list_is_refused(data, got):
    assert refusal(data) == f"$: expected an object or a list, got {got}"


def test_an_object_of_unknown_shape_is_refused_with_its_keys():
    assert refusal(b'{"foo": 1, "bar": [2]}') == (
        "not a Jaeger, Zipkin or OTLP document (top-level keys: foo, bar)"
    )


def test_insisting_on_a_format_for_an_object_of_unknown_shape_names_that_format():
    assert refusal(b'{"foo": 1}', fmt=TraceFormat.ZIPKIN) == (
        "not a Zipkin document (top-level keys: foo)"
    )


def test_insisting_on_the_wrong_format_says_what_the_document_looks_like():
    data = as_bytes(jaeger_trace(jaeger_span()))

    assert refusal(data, fmt=TraceFormat.OTLP) == "not an OTLP document: it looks like Jaeger"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([zipkin_span(), zipkin_span(id=None)], "$[1]: missing id"),
        ([zipkin_span(traceId="")], "$[0]: missing traceId"),
        ({"data": [jaeger_trace({"traceID": "a"})]}, "$.data[0].spans[0]: missing spanID"),
        (otlp_body({"traceId": "ab"}), "$.resourceSpans[0].scopeSpans[0].spans[0]: missing spanId"),
    ],
)
def test_a_span_missing_its_id_is_refused_with_its_path(document, message):
    assert refusal(as_bytes(document)) == message


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([zipkin_span(id=1234)], "$[0].id: expected a string, got an integer"),
        ([zipkin_span(id="xyz")], "$[0].id: not a hex id: 'xyz'"),
        ([zipkin_span(traceId="a" * 33)], "$[0].traceId: not a hex id: '" + "a" * 33 + "'"),
        (
            jaeger_trace(jaeger_span(spanID=["a"])),
            "$.spans[0].spanID: expected a string, got a list",
        ),
        (
            otlp_body(otlp_span(spanId="not-an-id!")),
            "$.resourceSpans[0].scopeSpans[0].spans[0].spanId: not a hex or base64 span id: "
            "'not-an-id!'",
        ),
    ],
)
def test_ids_of_the_wrong_type_or_shape_are_refused(document, message):
    assert refusal(as_bytes(document)) == message


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([zipkin_span(timestamp="yesterday")], "$[0].timestamp: expected a number, got a string"),
        (
            jaeger_trace(jaeger_span(startTime="12:00")),
            "$.spans[0].startTime: expected a number, got a string",
        ),
        (
            otlp_body(otlp_span(startTimeUnixNano="1.6e18")),
            "$.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: "
            "not a time in nanoseconds: '1.6e18'",
        ),
        (
            otlp_body(otlp_span(endTimeUnixNano="-5")),
            "$.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: "
            "not a time in nanoseconds: '-5'",
        ),
    ],
)
def test_timestamps_that_are_strings_of_garbage_are_refused(document, message):
    assert refusal(as_bytes(document)) == message


def test_a_hugely_nested_document_is_refused():
    depth = 100_000

    assert refusal(b"[" * depth + b"]" * depth) == "$[0][0]: expected an object, got a list"


def test_a_hugely_nested_value_where_nothing_is_expected_is_refused():
    depth = 100_000
    data = b'{"traceID": "a", "spans": [], "junk": ' + b"[" * depth + b"]" * depth + b"}"

    assert refusal(data) == "nested too deeply to be a trace document"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)),
        b"\x00\x01\x02\x03",
        b"\xff\xfe{\x00}\x00",  # UTF-16
        b'[{"traceId": "\xff\xfe", "id": "1"}]',
        b"\x89PNG\r\n\x1a\n",
        b"\n\n\x7f",
    ],
)
def test_binary_garbage_is_refused_as_not_json(data):
    assert refusal(data).startswith("not JSON")


def test_a_gzipped_document_is_refused_with_the_reason():
    assert refusal(gzip.compress(as_bytes([zipkin_span()]))) == (
        "compressed with gzip; decompress it first"
    )


def test_a_bad_line_in_json_lines_is_refused_with_its_number():
    data = as_bytes(otlp_body(otlp_span())) + b"\n" + b'{"resourceSpans": [}\n'

    assert refusal(data) == "line 2: not JSON (column 20): invalid character"


def test_a_list_mixing_jaeger_traces_with_other_things_is_refused():
    document = [jaeger_trace(jaeger_span()), zipkin_span()]

    assert refusal(as_bytes(document)) == "$[1]: not a Jaeger document like the first one"


def test_the_garbage_collector_is_running_again_after_a_refusal():
    assert gc.isenabled()
    refusal(b"{")
    assert gc.isenabled()


def test_the_garbage_collector_stays_off_if_it_was_off():
    gc.disable()
    try:
        parse_traces(as_bytes([zipkin_span()]), source="x")
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("document", [42, "x", None, {"foo": 1}, [1], [{"foo": 1}]])
def test_something_that_is_not_a_trace_document_is_refused_naming_the_source(document):
    with pytest.raises(TraceFormatError, match=r"^doc\.json: "):
        parse_traces(json.dumps(document).encode(), source="doc.json")


def test_empty_documents_are_read_as_no_spans_and_a_list_of_traces_as_zipkin():
    assert parse_traces(b"[]", source="t") == []
    assert parse_traces(b"{}", source="t") == []
    (span,) = parse_traces(b'[[{"traceId": "a", "id": "b"}]]', source="t")
    assert parse_traces(b'[[{"traceId": "a", "id": "b"}]]', source="t", fmt=TraceFormat.ZIPKIN) == [
        span
    ]


def test_invalid_utf8_in_an_unknown_key_is_refused():
    assert refusal(b'{"\xff": 1}') == "not JSON: not UTF-8 text"
