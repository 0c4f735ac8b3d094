"""A refresh pass against real HTTP servers on 127.0.0.1 serving recorded payloads."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sources.retry import Pacing
from bot.bootstrap import refreshing
from bot.usecases.refresh import refresh_once
from tests.integration.refresh.conftest import NOW
from tests.integration.sources.fakeserver import Answer
from tests.integration.test_mixed_trace_ids import frontend_calls_backend

TRACES = "zipkin_v2_traces.CONSTRUCTED.json"


class Sleeps:
    """Records the waits asked for instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def pacing(self) -> Pacing:
        return Pacing(sleep=self.waits.append, jitter=lambda: 0.0)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def zipkin(servers, api_fixtures):
    fake = servers()
    fake.json("/api/v2/services", (api_fixtures / "zipkin_v2_services.json").read_bytes())
    fake.json("/api/v2/traces", (api_fixtures / TRACES).read_bytes())
    return fake


def edge_calls(app) -> dict[tuple[str, str], int]:
    return {(e.parent, e.child): e.calls for e in app.store.edges()}


def test_a_refresh_pulls_traces_and_stores_their_edges(make_app, zipkin, sleeps):
    app = make_app(zipkin_url=zipkin.url, pacing=sleeps.pacing())
    report = refresh_once(refreshing(app), holder="test")
    (done,) = report.sources
    assert (done.name, done.error, done.tries) == ("zipkin", None, 1)
    assert done.spans > 0
    assert done.calls_new > 0
    assert edge_calls(app)
    traces = [seen for seen in zipkin.requests if seen.path == "/api/v2/traces"]
    assert {seen.param("endTs") for seen in traces} == {str(NOW * 1000)}
    assert {seen.param("lookback") for seen in traces} == {"60000"}
    state = app.states.get("zipkin")
    assert (state.high_water, state.last_success, state.last_error) == (NOW, NOW, None)


def test_a_second_refresh_overlapping_the_first_adds_nothing_twice(make_app, zipkin, clock):
    app = make_app(zipkin_url=zipkin.url)
    refresh_once(refreshing(app), holder="test")
    before = edge_calls(app)
    clock.now += 60
    (again,) = refresh_once(refreshing(app), holder="test").sources
    assert again.error is None
    assert again.spans > 0
    assert again.calls_new == 0
    assert edge_calls(app) == before
    traces = [seen for seen in zipkin.requests if seen.path == "/api/v2/traces"]
    assert traces[-1].param("lookback") == str((60 + 120) * 1000)  # interval + overlap
    assert app.states.get("zipkin").high_water == NOW + 60


def test_a_source_answering_500_then_200_is_retried_and_succeeds(
    make_app, zipkin, api_fixtures, sleeps
):
    services = (api_fixtures / "zipkin_v2_services.json").read_bytes()
    zipkin.answer("/api/v2/services", Answer(500, b"boom"), Answer(200, services))
    app = make_app(zipkin_url=zipkin.url, pacing=sleeps.pacing())
    (done,) = refresh_once(refreshing(app), holder="test").sources
    assert (done.error, done.tries) == (None, 2)
    assert done.calls_new > 0
    assert sleeps.waits == [0.25]  # half of the first 0.5 s step, with no jitter
    assert app.states.get("zipkin").last_error is None


def test_a_source_answering_400_is_an_error_without_retry_while_another_succeeds(
    make_app, zipkin, servers, api_fixtures, sleeps
):
    prometheus = servers()
    bad = (api_fixtures / "prometheus_error_400_bad_data.CONSTRUCTED.json").read_bytes()
    prometheus.json("/api/v1/query", bad, status=400)
    app = make_app(zipkin_url=zipkin.url, prometheus_url=prometheus.url, pacing=sleeps.pacing())
    report = refresh_once(refreshing(app), holder="test")
    outcomes = {done.name: done for done in report.sources}
    assert outcomes["zipkin"].error is None
    assert outcomes["zipkin"].calls_new > 0
    assert "HTTP 400" in (outcomes["prometheus"].error or "")
    assert "no expression found" in (outcomes["prometheus"].error or "")
    assert outcomes["prometheus"].tries == 1
    assert prometheus.paths() == ["/api/v1/query"]
    assert sleeps.waits == []
    assert not report.all_failed
    failed = app.states.get("prometheus")
    assert (failed.high_water, failed.last_error_at) == (None, NOW)


def test_a_failing_source_keeps_the_edges_stored_earlier(make_app, zipkin, clock, sleeps):
    app = make_app(zipkin_url=zipkin.url, pacing=sleeps.pacing())
    refresh_once(refreshing(app), holder="test")
    before = edge_calls(app)
    zipkin.answer("/api/v2/services", Answer(503, b"unavailable"))
    clock.now += 60
    report = refresh_once(refreshing(app), holder="test")
    (failed,) = report.sources
    assert failed.tries == 3
    assert "HTTP 503" in (failed.error or "")
    assert len(sleeps.waits) == 2
    assert report.all_failed
    assert edge_calls(app) == before
    state = app.states.get("zipkin")
    assert (state.high_water, state.last_success, state.last_error_at) == (NOW, NOW, NOW + 60)


def vector(*series: tuple[dict[str, str], str]) -> bytes:
    result = [{"metric": labels, "value": [NOW, value]} for labels, value in series]
    return json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}})


def test_an_edge_source_stores_its_minute_once_however_often_it_is_pulled(make_app, servers):
    prometheus = servers()
    edge = {"client": "frontend", "server": "checkout"}
    answers = [
        vector(({**edge, "failed": "false"}, "40"), ({**edge, "failed": "true"}, "2")),
        vector((edge, "2")),
        vector(({**edge, "le": "+Inf"}, "42")),
        vector((edge, "1.26")),
        vector((edge, "42")),
    ]
    prometheus.json_each("/api/v1/query", *(body.encode() for body in answers))
    app = make_app(prometheus_url=prometheus.url)
    (done,) = refresh_once(refreshing(app), holder="test").sources
    assert (done.error, done.calls_new) == (None, 42)
    minute = NOW - 30 - 60
    assert prometheus.requests[0].param("time") == str(minute + 60)
    assert "[60s]" in prometheus.requests[0].param("query")
    ((start, stats),) = app.store.edge_series()["frontend", "checkout"]
    assert (start, stats.calls, stats.errors) == (minute, 42, 2)
    app.store.ingest_edges([stats], minute_s=minute, source="again")
    assert edge_calls(app) == {("frontend", "checkout"): 42}
    assert app.states.get("prometheus").high_water == minute + 60


def test_only_one_holder_refreshes_while_the_lease_is_held(make_app, zipkin):
    app = make_app(zipkin_url=zipkin.url)
    assert app.states.try_lease("refresh", "other", NOW, 180)
    report = refresh_once(refreshing(app), holder="test")
    assert (report.leased, report.sources) == (False, [])
    assert zipkin.requests == []


def test_with_no_sources_a_refresh_does_nothing(make_app):
    app = make_app()
    report = refresh_once(refreshing(app), holder="test")
    assert (report.leased, report.sources, report.all_failed) == (True, [], False)


def test_the_app_builds_one_client_per_configured_source_and_closes_them(make_app, zipkin):
    app = make_app(
        zipkin_url=zipkin.url,
        jaeger_url="http://127.0.0.1:1",
        tempo_url="http://127.0.0.1:2",
        tempo_tenant="team-a",
        source_timeout="3s",
    )
    assert [source.name for source in app.sources] == ["jaeger", "zipkin", "tempo"]
    assert [str(client.base_url) for client in app.clients][1] == f"{zipkin.url}"
    assert {client.timeout.read for client in app.clients} == {3.0}
    app.close()
    assert all(client.is_closed for client in app.clients)


@pytest.mark.parametrize(("strict", "stored"), [(False, {("frontend", "backend"): 1}), (True, {})])
def test_a_trace_pulled_with_64_and_128_bit_ids_links_unless_ids_are_strict(
    make_app, servers, strict, stored
):
    fake = servers()
    fake.json("/api/v2/services", b'["frontend", "backend"]')
    fake.json("/api/v2/traces", json.dumps([frontend_calls_backend()]).encode())
    app = make_app(zipkin_url=fake.url, strict_trace_id=strict)

    (done,) = refresh_once(refreshing(app), holder="test").sources

    assert done.error is None
    assert edge_calls(app) == stored
