"""TempoTraceSource against a real local HTTP server.

Tempo's trace-by-id answer is built from a real OTLP JSON export (Jaeger's telemetrygen
fixture) put under `batches`, the key Tempo's `/api/traces/<id>` uses. The search
answer follows the shape in Tempo's API documentation (`traces[].traceID`, leading
zeros trimmed).
"""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources import TempoTraceSource
from topology.errors import SourceError

START_US = 1_722_945_300_500_000
END_US = 1_722_945_600_000_001
TRACE = "83a9efd15c1c98a977e0711cc93ee28b"


def _search(*trace_ids: str) -> bytes:
    found = [{"traceID": t, "rootServiceName": "telemetrygen", "durationMs": 1} for t in trace_ids]
    return json.dumps({"traces": found, "metrics": {"completedJobs": 1}}).encode()


@pytest.fixture
def tempo_trace(api_fixtures) -> bytes:
    otlp = json.loads((api_fixtures / "jaeger_otlp_json_traces_telemetrygen.json").read_bytes())
    return json.dumps({"batches": otlp["resourceSpans"]}).encode()


def test_a_search_then_each_trace_by_id_gives_the_spans(server, client, tempo_trace):
    server.json("/api/search", _search(TRACE))
    server.json(f"/api/traces/{TRACE}", tempo_trace)

    spans = TempoTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=50)

    assert {(s.trace_id, s.local_service) for s in spans} == {(TRACE, "telemetrygen")}
    search = server.requests[0]
    assert search.path == "/api/search"
    assert search.query == {
        "q": ["{}"],
        "start": ["1722945300"],
        "end": ["1722945601"],
        "limit": ["50"],
    }
    assert "x-scope-orgid" not in search.headers


def test_trimmed_trace_ids_are_padded_to_32_hex_digits(server, client, tempo_trace):
    server.json("/api/search", _search("7a1d2dd4deaf177e0acf55b3c49032"))
    server.json("/api/traces/007a1d2dd4deaf177e0acf55b3c49032", tempo_trace)

    spans = TempoTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5)

    assert spans
    assert server.paths()[1] == "/api/traces/007a1d2dd4deaf177e0acf55b3c49032"


def test_every_request_names_the_tenant_and_the_traceql_query_is_sent(server, client, tempo_trace):
    server.json("/api/search", _search(TRACE))
    server.json(f"/api/traces/{TRACE}", tempo_trace)
    server.json("/api/search/tag/service.name/values", b'{"tagValues":["telemetrygen"]}')

    source = TempoTraceSource(client, tenant="team-a", query='{ resource.service.name = "x" }')
    source.traces(start_us=START_US, end_us=END_US, limit=5)

    assert source.services() == ["telemetrygen"]
    assert [r.headers.get("x-scope-orgid") for r in server.requests] == ["team-a"] * 3
    assert server.requests[0].param("q") == '{ resource.service.name = "x" }'


def test_a_search_with_no_traces_fetches_nothing(server, client):
    server.json("/api/search", b'{"traces":[],"metrics":{}}')

    assert TempoTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5) == []
    assert server.paths() == ["/api/search"]


def test_a_trace_gone_since_the_search_is_skipped(server, client, tempo_trace):
    other = "1" * 32
    server.json("/api/search", _search(TRACE, other))
    server.json(f"/api/traces/{TRACE}", tempo_trace)

    spans = TempoTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5)

    assert {s.trace_id for s in spans} == {TRACE}
    assert server.paths()[-1] == f"/api/traces/{other}"


def test_a_search_naming_something_that_is_no_trace_id_is_refused(server, client):
    server.json("/api/search", _search("../../admin"))

    with pytest.raises(SourceError, match=r"tempo: GET /api/search: not a trace id"):
        TempoTraceSource(client).traces(start_us=START_US, end_us=END_US, limit=5)
