"""How every adapter fails: one SourceError naming the source, the path and the status."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from bot.adapters.sources import (
    JaegerTraceSource,
    PrometheusEdgeSource,
    TempoTraceSource,
    ZipkinTraceSource,
)
from tests.integration.sources.fakeserver import Answer
from topology.errors import SourceError

WINDOW = {"start_us": 1_722_945_300_000_000, "end_us": 1_722_945_600_000_000, "limit": 5}


def _read(source: object) -> object:
    if isinstance(source, PrometheusEdgeSource):
        return source.edges(start_s=1_722_945_300, end_s=1_722_945_600)
    assert isinstance(source, (JaegerTraceSource, ZipkinTraceSource, TempoTraceSource))
    return source.traces(**WINDOW)


SOURCES = {
    "jaeger": (JaegerTraceSource, "/api/v3/services"),
    "zipkin": (ZipkinTraceSource, "/api/v2/services"),
    "tempo": (TempoTraceSource, "/api/search"),
    "prometheus": (PrometheusEdgeSource, "/api/v1/query"),
}
each_source = pytest.mark.parametrize(("kind", "path"), SOURCES.values(), ids=list(SOURCES))


@each_source
def test_too_many_requests_is_retryable_after_the_given_seconds(server, client, kind, path):
    server.answer(path, Answer(429, b"slow down", {"Retry-After": "7"}))

    with pytest.raises(SourceError) as caught:
        _read(kind(client))

    assert str(caught.value).startswith(f"{kind(client).name}: GET {path}: HTTP 429")
    assert (caught.value.status, caught.value.retryable, caught.value.retry_after_s) == (
        429,
        True,
        7.0,
    )


@each_source
def test_a_server_error_is_retryable_and_keeps_the_auth_header_secret(server, client, kind, path):
    server.answer(path, Answer(500, b"internal error"))

    with pytest.raises(SourceError, match=r"HTTP 500: internal error") as caught:
        _read(kind(client))

    assert (caught.value.status, caught.value.retryable, caught.value.retry_after_s) == (
        500,
        True,
        None,
    )
    assert "s3cr3t" not in str(caught.value)
    assert server.requests[0].headers["authorization"] == "Bearer s3cr3t-token"


@each_source
def test_a_client_error_is_not_retryable(server, client, kind, path):
    server.answer(path, Answer(403, b"forbidden"))

    with pytest.raises(SourceError) as caught:
        _read(kind(client))

    assert (caught.value.status, caught.value.retryable) == (403, False)


@each_source
def test_malformed_json_is_a_source_error_naming_the_path(server, client, kind, path):
    server.answer(path, Answer(200, b"<html>not json</html>", {"Content-Type": "text/html"}))

    with pytest.raises(SourceError, match=rf"GET {path}.*not JSON") as caught:
        _read(kind(client))

    assert (caught.value.status, caught.value.retryable) == (None, False)


@each_source
def test_json_cut_short_is_a_source_error(server, client, kind, path):
    server.answer(path, Answer(200, b'{"services":["fo', {"Content-Type": "application/json"}))

    with pytest.raises(SourceError, match=r"not JSON"):
        _read(kind(client))


@each_source
def test_a_body_cut_off_by_a_dropped_connection_is_retryable(server, client, kind, path):
    server.answer(path, Answer(200, b'{"services":["fo', declared_length=4096))

    with pytest.raises(SourceError, match=rf"GET {path}: RemoteProtocolError") as caught:
        _read(kind(client))

    assert caught.value.retryable


@each_source
def test_a_server_slower_than_the_client_timeout_is_a_retryable_timeout(server, kind, path):
    server.answer(path, Answer(200, b"{}", delay_s=0.5))

    with (
        httpx.Client(base_url=server.url, timeout=0.1) as slow,
        pytest.raises(SourceError, match=rf"GET {path}: timed out") as caught,
    ):
        _read(kind(slow))

    assert (caught.value.status, caught.value.retryable) == (None, True)


@each_source
def test_a_server_dripping_its_answer_is_cut_off_at_the_client_timeout(server, kind, path):
    # 45 bytes, one every 0.2 s: each read is quick, the whole answer takes 9 s.
    server.answer(path, Answer(200, b'{"data": [], "padding": "' + b"x" * 18 + b'"}', drip_s=0.2))

    started = time.monotonic()
    with (
        httpx.Client(base_url=server.url, timeout=1.0) as client,
        pytest.raises(SourceError, match=rf"GET {path}: timed out") as caught,
    ):
        _read(kind(client))
    took = time.monotonic() - started

    assert caught.value.retryable
    assert took < 2.0


def test_a_server_that_is_not_there_is_a_retryable_connection_error(server):
    with (
        httpx.Client(base_url="http://127.0.0.1:9", timeout=1.0) as nowhere,
        pytest.raises(SourceError, match=r"zipkin: GET /api/v2/services: ConnectError") as caught,
    ):
        ZipkinTraceSource(nowhere).services()

    assert caught.value.retryable


def test_an_http_date_retry_after_is_read_as_seconds(server, client):
    server.answer(
        "/api/v2/services", Answer(503, b"", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    )

    with pytest.raises(SourceError) as caught:
        ZipkinTraceSource(client).services()

    assert caught.value.retry_after_s == 0.0  # a date in the past: ask again now


def test_an_answer_of_the_wrong_shape_is_a_source_error(server, client):
    server.json("/api/v2/services", b'{"services":["foo"]}')

    with pytest.raises(SourceError, match=r"zipkin: GET /api/v2/services: not the expected answer"):
        ZipkinTraceSource(client).services()


def test_a_large_answer_is_read_whole(server, client, api_fixtures):
    find = json.loads((api_fixtures / "jaeger_apiv3_FindTraces.json").read_bytes())
    template = find["result"]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    spans = [
        {**template, "traceId": f"{n // 10:032x}", "spanId": f"{n + 1:016x}"} for n in range(40_000)
    ]
    find["result"]["resourceSpans"][0]["scopeSpans"][0]["spans"] = spans
    body = json.dumps(find).encode()
    assert len(body) > 4_000_000
    server.json("/api/v3/services", b'{"services":["foo"]}')
    server.json("/api/v3/traces", body)

    found = JaegerTraceSource(client).traces(**WINDOW)

    assert len(found) == 40_000
    assert len({span.trace_id for span in found}) == 4_000
