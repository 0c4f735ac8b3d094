"""ZipkinTraceSource against a real local HTTP server."""

from __future__ import annotations

from bot.adapters.sources import ZipkinTraceSource
from topology.model import SpanKind

START_US = 1_722_945_300_000_000
END_US = 1_722_945_600_000_500


def test_traces_are_searched_per_service_in_milliseconds(server, client, api_fixtures):
    server.json("/api/v2/services", b'["frontend","backend"]')
    server.json("/api/v2/traces", (api_fixtures / "zipkin_v2_traces.CONSTRUCTED.json").read_bytes())

    spans = ZipkinTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=10)

    assert len(spans) == 8
    assert {span.kind for span in spans} >= {SpanKind.PRODUCER, SpanKind.CONSUMER}
    searches = [r for r in server.requests if r.path == "/api/v2/traces"]
    assert [r.param("serviceName") for r in searches] == ["frontend", "backend"]
    assert searches[0].query == {
        "serviceName": ["frontend"],
        "endTs": ["1722945600001"],
        "lookback": ["300001"],
        "limit": ["10"],
    }


def test_services_are_read_as_zipkin_lists_them(server, client, api_fixtures):
    server.json("/api/v2/services", (api_fixtures / "zipkin_v2_services.json").read_bytes())

    assert ZipkinTraceSource(client).services() == ["bar", "baz", "foo", "quz"]


def test_a_search_with_no_match_gives_no_spans(server, client):
    server.json("/api/v2/services", b'["frontend"]')
    server.json("/api/v2/traces", b"[]")

    assert ZipkinTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=10) == []
