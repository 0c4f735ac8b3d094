"""Zipkin v2 answers read by the pure parsing functions."""

from __future__ import annotations

from bot.adapters.sources.zipkin import parse_services, parse_traces, window_ms
from topology.model import SpanKind


def test_services_are_the_json_list(payload):
    assert parse_services(payload("zipkin_v2_services.json"), source="z") == [
        "bar",
        "baz",
        "foo",
        "quz",
    ]


def test_traces_are_a_list_of_lists_of_spans(payload):
    spans = parse_traces(payload("zipkin_v2_traces.CONSTRUCTED.json"), source="z")

    assert len(spans) == 4
    assert {span.kind for span in spans} >= {SpanKind.PRODUCER, SpanKind.CONSUMER}


def test_no_traces_is_an_empty_list():
    assert parse_traces(b"[]", source="z") == []


def test_a_single_trace_is_read_too(payload):
    assert len(parse_traces(payload("zipkin_v2_trace_yelp.json"), source="z")) > 10


def test_the_window_is_rounded_out_to_whole_milliseconds():
    assert window_ms(1_000_999, 2_000_001) == (2_001, 1_001)
    assert window_ms(5_000_000, 5_000_000) == (5_000, 0)
