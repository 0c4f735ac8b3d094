"""Jaeger's answers (api_v3 and v1) read by the pure parsing functions."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources.jaeger import (
    parse_v1_services,
    parse_v1_traces,
    parse_v3_services,
    parse_v3_traces,
    rfc3339,
)
from topology.errors import SourceError
from topology.model import SpanKind


def test_v3_services_are_the_services_list(payload):
    assert parse_v3_services(payload("jaeger_apiv3_GetServices.json"), source="j") == ["foo"]


def test_v3_services_of_an_empty_server_are_none(payload):
    empty = payload("jaeger_apiv3_GetServices_empty.CONSTRUCTED.json")
    assert parse_v3_services(empty, source="j") == []


def test_v3_traces_are_otlp_under_result(payload):
    (span,) = parse_v3_traces(payload("jaeger_apiv3_FindTraces.json"), source="j")

    assert (span.trace_id, span.span_id, span.kind, span.error) == (
        "0000000000000001",
        "0000000000000002",
        SpanKind.SERVER,
        True,
    )


def test_v3_result_objects_back_to_back_on_one_line_are_all_read(payload):
    one = json.dumps(json.loads(payload("jaeger_apiv3_FindTraces.json")))
    assert len(parse_v3_traces(f"{one}{one} {one}".encode(), source="j")) == 3


def test_v3_result_objects_one_per_line_are_all_read(payload):
    one = json.dumps(json.loads(payload("jaeger_apiv3_GetTrace.json")))
    assert len(parse_v3_traces(f"{one}\n{one}\n".encode(), source="j")) == 2


def test_a_v3_error_object_is_a_source_error(payload):
    body = payload("jaeger_apiv3_error_404_no_traces.CONSTRUCTED.json")
    with pytest.raises(SourceError, match=r"^j: .*No traces found"):
        parse_v3_traces(body, source="j")


def test_v1_services_are_the_data_list(payload):
    body = payload("jaeger_v1_services_response.CONSTRUCTED.json")
    assert parse_v1_services(body, source="j") == ["frontend", "checkout", "payments"]


def test_a_v1_errors_answer_is_a_source_error_with_the_message(payload):
    body = payload("jaeger_v1_error_404_trace_not_found.CONSTRUCTED.json")
    with pytest.raises(
        SourceError, match=r"^j: the server answered with errors: 404 trace not found"
    ):
        parse_v1_services(body, source="j")


def test_v1_traces_are_read_from_data(payload):
    spans = parse_v1_traces(payload("jaeger_v1_structured_traces_response.json"), source="j")
    assert len(spans) == 2


def test_v1_traces_refuse_an_errors_answer(payload):
    body = payload("jaeger_v1_error_404_trace_not_found.CONSTRUCTED.json")
    with pytest.raises(SourceError, match="trace not found"):
        parse_v1_traces(body, source="j")


@pytest.mark.parametrize(
    "body",
    [b"", b'{"services": ["a"', b"<html>", b"\xff\xfe"],
    ids=["empty", "cut", "html", "binary"],
)
def test_what_is_not_json_is_a_source_error_saying_so(body):
    with pytest.raises(SourceError, match=r"^j: not JSON"):
        parse_v3_services(body, source="j")


def test_instants_are_written_in_rfc3339_utc_with_microseconds():
    assert rfc3339(1_722_945_600_123_456) == "2024-08-06T12:00:00.123456Z"
    assert rfc3339(0) == "1970-01-01T00:00:00.000000Z"
