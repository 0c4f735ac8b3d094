"""Jaeger JSON mapped to the Zipkin model the linker reasons about."""

import pytest

from topology.model import SpanKind
from topology.parsing import TraceFormat, parse_traces

from .documents import CHILD, ROOT, TRACE, as_bytes, jaeger_span, jaeger_trace


def parse(document):
    return parse_traces(as_bytes(document), source="jaeger.json")


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda trace: {"data": [trace], "total": 0, "errors": None}, id="api-list"),
        pytest.param(lambda trace: {"data": trace, "id": "x", "state": {}}, id="data-object"),
        pytest.param(lambda trace: trace, id="bare-trace"),
        pytest.param(lambda trace: [trace], id="list-of-traces"),
    ],
)
def test_a_jaeger_trace_is_read_however_it_is_wrapped(wrap):
    [span] = parse(wrap(jaeger_trace(jaeger_span(("span.kind", "client")))))

    assert (span.trace_id, span.span_id, span.parent_id) == (TRACE, CHILD, ROOT)
    assert (span.kind, span.local_service) == (SpanKind.CLIENT, "frontend")
    assert (span.start_us, span.duration_us) == (1_600_000_000_000_000, 1500)


def test_a_jaeger_answer_with_no_traces_is_empty():
    assert parse({"data": [], "total": 0, "limit": 0, "offset": 0, "errors": None}) == []
    assert parse({"data": None}) == []


def test_child_of_wins_over_follows_from_and_other_traces():
    references = [
        {"refType": "FOLLOWS_FROM", "traceID": TRACE, "spanID": "aa"},
        {"refType": "CHILD_OF", "traceID": "ffff", "spanID": "bb"},
        {"refType": "CHILD_OF", "traceID": TRACE, "spanID": "cc"},
    ]
    [span] = parse(jaeger_trace(jaeger_span(references=references)))

    assert span.parent_id == "00000000000000cc"


def test_follows_from_in_the_same_trace_is_the_parent_when_there_is_no_child_of():
    references = [
        {"refType": "CHILD_OF", "traceID": "ffff", "spanID": "bb"},
        {"refType": "FOLLOWS_FROM", "traceID": TRACE, "spanID": "aa"},
    ]
    [span] = parse(jaeger_trace(jaeger_span(references=references)))

    assert span.parent_id == "00000000000000aa"


def test_a_reference_to_another_trace_is_the_parent_when_there_is_nothing_else():
    references = [{"refType": "CHILD_OF", "traceID": "ffff", "spanID": "bb"}]
    [span] = parse(jaeger_trace(jaeger_span(references=references)))

    assert span.parent_id == "00000000000000bb"


def test_a_span_without_references_has_no_parent_unless_it_names_one_the_old_way():
    [root] = parse(jaeger_trace(jaeger_span(references=[])))
    [old] = parse(jaeger_trace(jaeger_span(references=None, parentSpanID="abc")))

    assert root.parent_id is None
    assert old.parent_id == "0000000000000abc"


def test_a_span_that_is_its_own_parent_has_none():
    references = [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": CHILD}]
    [span] = parse(jaeger_trace(jaeger_span(references=references)))

    assert span.parent_id is None


@pytest.mark.parametrize(
    ("tags", "error"),
    [
        ([("error", True)], True),
        ([("error", "true")], True),
        ([("error", "TRUE")], True),
        ([("error", False)], False),
        ([("error", "false")], False),
        ([("otel.status_code", "ERROR")], True),
        ([("otel.status_code", "OK")], False),
        ([], False),
    ],
)
def test_an_error_is_a_true_error_tag_or_an_error_status(tags, error):
    [span] = parse(jaeger_trace(jaeger_span(*tags)))

    assert span.error is error


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("client", SpanKind.CLIENT),
        ("SERVER", SpanKind.SERVER),
        ("Producer", SpanKind.PRODUCER),
        ("consumer", SpanKind.CONSUMER),
        ("internal", None),
        ("", None),
        (3, None),
    ],
)
def test_the_span_kind_tag_is_the_kind_in_any_case(value, kind):
    [span] = parse(jaeger_trace(jaeger_span(("span.kind", value))))

    assert span.kind is kind


def test_peer_service_is_the_remote_service():
    [span] = parse(jaeger_trace(jaeger_span(("span.kind", "client"), ("peer.service", "billing"))))

    assert span.remote_service == "billing"


def test_an_inline_process_names_the_service_even_without_a_process_table():
    span = jaeger_span(process={"serviceName": "checkout", "tags": []}, processID="p9")
    [read] = parse({"traceID": TRACE, "spans": [span]})

    assert read.local_service == "checkout"


def test_a_span_naming_an_unknown_process_has_no_service():
    [span] = parse(jaeger_trace(jaeger_span(processID="nowhere")))

    assert span.local_service is None


def test_tag_values_of_every_type_are_accepted():
    tags = [
        {"key": "big", "type": "int64", "value": "9223372036854775222"},
        {"key": "huge", "type": "int64", "value": 18446744073709551615},
        {"key": "f", "type": "float64", "value": 72.5},
        {"key": "blob", "type": "binary", "value": "AAAwOQ=="},
        {"key": "odd", "value": {"nested": [1, 2, {"deep": None}]}},
        {"key": "peer.service", "value": ["not", "a", "name"]},
    ]
    [span] = parse(jaeger_trace(jaeger_span(tags=tags)))

    assert span.remote_service is None


def test_a_jaeger_span_without_a_start_time_has_none():
    [span] = parse(jaeger_trace(jaeger_span(startTime=None, duration=0)))

    assert (span.start_us, span.duration_us) == (None, None)


def test_jaeger_is_detected_from_a_list_of_traces_and_can_be_insisted_on():
    document = [jaeger_trace(jaeger_span()), jaeger_trace(jaeger_span(spanID="01"))]

    spans = parse_traces(as_bytes(document), source="x", fmt=TraceFormat.JAEGER)

    assert [span.span_id for span in spans] == [CHILD, "0000000000000001"]
