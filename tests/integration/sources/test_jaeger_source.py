"""JaegerTraceSource against a real local HTTP server."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources import JaegerTraceSource
from topology.errors import SourceError

START_US = 1_722_945_300_000_000
END_US = 1_722_945_600_123_456


def test_v3_services_and_traces_are_read_with_snake_case_parameters(server, client, api_fixtures):
    server.json("/api/v3/services", (api_fixtures / "jaeger_apiv3_GetServices.json").read_bytes())
    server.json("/api/v3/traces", (api_fixtures / "jaeger_apiv3_FindTraces.json").read_bytes())

    spans = JaegerTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=20)

    assert [(s.trace_id, s.span_id, s.error) for s in spans] == [
        ("0000000000000001", "0000000000000002", True)
    ]
    search = server.requests[-1]
    assert search.path == "/api/v3/traces"
    assert search.query == {
        "query.service_name": ["foo"],
        "query.start_time_min": ["2024-08-06T11:55:00.000000Z"],
        "query.start_time_max": ["2024-08-06T12:00:00.123456Z"],
        "query.search_depth": ["20"],
    }


def test_each_service_is_searched_and_the_spans_are_concatenated(server, client, api_fixtures):
    server.json("/api/v3/services", b'{"services":["a","b"]}')
    server.json("/api/v3/traces", (api_fixtures / "jaeger_apiv3_FindTraces.json").read_bytes())

    spans = JaegerTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5)

    assert len(spans) == 2
    searched = [
        r.param("query.service_name") for r in server.requests if r.path == "/api/v3/traces"
    ]
    assert searched == ["a", "b"]


def test_several_streamed_result_objects_are_all_read(server, client, api_fixtures):
    one = json.dumps(json.loads((api_fixtures / "jaeger_apiv3_FindTraces.json").read_bytes()))
    server.json("/api/v3/services", b'{"services":["foo"]}')
    server.json("/api/v3/traces", f"{one}\n{one}\n".encode())

    spans = JaegerTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5)

    assert len(spans) == 2


def test_a_search_answered_404_means_no_traces(server, client, api_fixtures):
    server.json("/api/v3/services", b'{"services":["foo"]}')
    not_found = (api_fixtures / "jaeger_apiv3_error_404_no_traces.CONSTRUCTED.json").read_bytes()
    server.json("/api/v3/traces", not_found, status=404)

    assert JaegerTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5) == []


def test_a_server_with_no_services_is_searched_for_nothing(server, client, api_fixtures):
    empty = (api_fixtures / "jaeger_apiv3_GetServices_empty.CONSTRUCTED.json").read_bytes()
    server.json("/api/v3/services", empty)

    source = JaegerTraceSource(client)

    assert source.services() == []
    assert source.traces(start_us=START_US, end_us=END_US, limit=5) == []
    assert server.paths() == ["/api/v3/services", "/api/v3/services"]


def test_an_older_server_without_api_v3_is_read_through_v1_in_microseconds(
    server, client, api_fixtures
):
    server.json(
        "/api/services",
        (api_fixtures / "jaeger_v1_services_response.CONSTRUCTED.json").read_bytes(),
    )
    traces = (api_fixtures / "jaeger_v1_structured_traces_response.json").read_bytes()
    server.json("/api/traces", traces)

    source = JaegerTraceSource(client, name="old-jaeger")
    spans = source.traces(start_us=START_US, end_us=END_US, limit=7)

    assert len(spans) == 6
    assert server.paths()[:2] == ["/api/v3/services", "/api/services"]
    searches = [r for r in server.requests if r.path == "/api/traces"]
    assert [r.param("service") for r in searches] == ["frontend", "checkout", "payments"]
    assert searches[0].query == {
        "service": ["frontend"],
        "start": [str(START_US)],
        "end": [str(END_US)],
        "limit": ["7"],
    }


def test_once_v1_is_found_api_v3_is_not_asked_again(server, client, api_fixtures):
    server.json("/api/services", b'{"data":["a"],"total":1,"limit":0,"offset":0,"errors":null}')

    source = JaegerTraceSource(client)
    source.services()
    source.services()

    assert server.paths() == ["/api/v3/services", "/api/services", "/api/services"]


def test_a_v1_error_answer_becomes_a_source_error(server, client, api_fixtures):
    server.json("/api/services", b'{"data":["a"],"total":1,"limit":0,"offset":0,"errors":null}')
    error = (api_fixtures / "jaeger_v1_error_404_trace_not_found.CONSTRUCTED.json").read_bytes()
    server.json("/api/traces", error, status=404)

    with pytest.raises(SourceError, match=r"jaeger: GET /api/traces: HTTP 404") as caught:
        JaegerTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5)

    assert caught.value.status == 404
    assert not caught.value.retryable
