"""The periodic refresh of `svcmap serve`, run by a real APScheduler."""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

from bot import scheduler as module
from bot.bootstrap import build_app
from bot.scheduler import start_refresher
from bot.settings import load_settings
from bot.usecases.refresh import RefreshReport
from tests.integration.sources.fakeserver import FakeServer


def wait_for(condition, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_first_pass_runs_at_once_against_a_real_source(tmp_path, shared_dir):
    fixtures = shared_dir / "fixtures" / "api"
    zipkin = FakeServer()
    zipkin.json("/api/v2/services", (fixtures / "zipkin_v2_services.json").read_bytes())
    zipkin.json("/api/v2/traces", (fixtures / "zipkin_v2_traces.CONSTRUCTED.json").read_bytes())
    zipkin.start()
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", zipkin_url=zipkin.url
    )
    try:
        with build_app(settings) as app:
            refresher = start_refresher(app, holder="test")
            assert refresher is not None
            try:
                assert [job.id for job in refresher.get_jobs()] == ["refresh"]
                assert wait_for(lambda: (s := app.states.get("zipkin")) and s.last_success)
            finally:
                refresher.shutdown(wait=True)
            assert app.store.edges()
    finally:
        zipkin.stop()


def test_a_pass_that_raises_does_not_stop_the_next(monkeypatch, caplog):
    calls: list[str] = []
    done = threading.Event()

    def flaky(app, *, holder):
        calls.append(holder)
        if len(calls) == 1:
            raise RuntimeError("boom")
        done.set()
        return RefreshReport(leased=True)

    monkeypatch.setattr(module, "refresh_once", flaky)
    app = SimpleNamespace(sources=[object()], settings=SimpleNamespace(refresh_interval=0.1))
    caplog.set_level(logging.ERROR, logger="bot.scheduler")
    refresher = start_refresher(app, holder="me")
    assert refresher is not None
    try:
        assert done.wait(2.0)
    finally:
        refresher.shutdown(wait=True)
    assert calls[:2] == ["me", "me"]
    assert [r.getMessage() for r in caplog.records] == ["refresh failed: boom"]


def test_no_sources_means_no_scheduler():
    app = SimpleNamespace(
        sources=[], catalog_source=None, settings=SimpleNamespace(refresh_interval=60)
    )
    assert start_refresher(app, holder="me") is None
