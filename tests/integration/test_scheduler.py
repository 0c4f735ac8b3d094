"""The periodic refresh of `svcmap serve`, run by a real APScheduler."""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bot import scheduler as module
from bot.adapters.store.compaction import Compaction, Moved
from bot.adapters.store.schema import edge_buckets, edge_hours
from bot.bootstrap import build_app
from bot.scheduler import start_refresher
from bot.settings import load_settings
from bot.usecases.refresh import RefreshReport
from tests.integration.sources.fakeserver import FakeServer
from topology.errors import StoreError
from topology.model import Call
from topology.retention import HOUR, Cuts

DAY0 = 1_699_920_000
"""Midnight UTC."""
NOTHING = (Moved(), Moved(), 0)
"""The counts of a compaction that had nothing to do."""


def fake_app(*, interval_s: float, sources: list[object]) -> SimpleNamespace:
    """An app with what the refresh job reads of it, the sources standing in for real ones."""
    return SimpleNamespace(
        sources=sources,
        catalog_source=None,
        settings=SimpleNamespace(refresh_interval=interval_s, warnings="off", retention=None),
        store=None,
        now=lambda: 0,
    )


@pytest.fixture
def call_at():
    def make(at: int) -> Call:
        return Call("web", "cart", "t1:a", at * 1_000_000, error=False, parent_local=True)

    return make


def wait_for(condition, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_first_pass_runs_at_once_against_a_real_source(tmp_path, fixtures_dir):
    # The recorded traces are years old: keep them, or the compaction after the pass drops them.
    fixtures = fixtures_dir / "api"
    zipkin = FakeServer()
    zipkin.json("/api/v2/services", (fixtures / "zipkin_v2_services.json").read_bytes())
    zipkin.json("/api/v2/traces", (fixtures / "zipkin_v2_traces.CONSTRUCTED.json").read_bytes())
    zipkin.start()
    forever = {f"retain_{tier}": 100 * 365 * 86_400 for tier in ("minutes", "hours", "days")}
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", zipkin_url=zipkin.url, **forever
    )
    try:
        with build_app(settings) as app:
            refresher = start_refresher(app, holder="test")
            assert refresher is not None
            try:
                assert [job.id for job in refresher.get_jobs()] == ["refresh", "follow"]
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
    monkeypatch.setattr(module, "refreshing", lambda app: app)
    monkeypatch.setattr(
        module, "compact_once", lambda *_, **__: Compaction(Cuts(0, 0, 0), *NOTHING)
    )
    app = fake_app(interval_s=0.1, sources=[object()])
    caplog.set_level(logging.ERROR, logger="bot.scheduler")
    refresher = start_refresher(app, holder="me")
    assert refresher is not None
    try:
        assert done.wait(2.0)
    finally:
        refresher.shutdown(wait=True)
    assert calls[:2] == ["me", "me"]
    assert [r.getMessage() for r in caplog.records] == ["refresh failed: boom"]


def test_with_no_sources_the_job_still_compacts_the_store(tmp_path, call_at):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", retain_minutes=60)
    with build_app(settings, clock=lambda: DAY0 + 3 * HOUR) as app:
        app.store.ingest([call_at(DAY0 + 30)], [], now_s=DAY0, source="test", spans=2)
        refresher = start_refresher(app, holder="test")
        try:
            assert wait_for(lambda: not rows(app.engine, edge_buckets))
        finally:
            refresher.shutdown(wait=True)
        assert rows(app.engine, edge_hours) == 1
        assert [edge.calls for edge in app.store.edges()] == [1]


def two_passes(app, signalled: threading.Semaphore) -> None:
    """Run the refresher of `app` until `signalled` is released twice (two passes)."""
    refresher = start_refresher(app, holder="me")
    try:
        assert signalled.acquire(timeout=2.0)
        assert signalled.acquire(timeout=2.0)
    finally:
        refresher.shutdown(wait=True)


def test_a_compaction_that_fails_is_logged_and_the_passes_go_on(monkeypatch, caplog):
    compactions = threading.Semaphore(0)

    def failing(*_: object, **__: object) -> None:
        compactions.release()
        raise StoreError("disk full")

    monkeypatch.setattr(module, "compact_once", failing)
    monkeypatch.setattr(module, "refreshing", lambda app: app)
    app = fake_app(interval_s=0.05, sources=[])
    caplog.set_level(logging.ERROR, logger="bot.scheduler")
    two_passes(app, compactions)
    assert caplog.records[0].getMessage() == "compaction failed: disk full"


def test_a_pass_that_did_not_get_the_lease_leaves_compaction_to_the_holder(monkeypatch):
    passes, compactions = threading.Semaphore(0), []
    monkeypatch.setattr(module, "compact_once", lambda *args, **_: compactions.append(args))

    def not_leased(app, *, holder):
        passes.release()
        return RefreshReport(leased=False)

    monkeypatch.setattr(module, "refresh_once", not_leased)
    monkeypatch.setattr(module, "refreshing", lambda app: app)
    app = fake_app(interval_s=0.05, sources=[object()])
    two_passes(app, passes)
    assert compactions == []


def rows(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_map_of_now_is_read_before_the_compaction(monkeypatch):
    done, order = threading.Semaphore(0), []
    monkeypatch.setattr(module, "refresh_once", lambda *_, **__: RefreshReport(leased=True))
    monkeypatch.setattr(module, "refreshing", lambda app: app)
    monkeypatch.setattr(module, "warm_map", lambda *_: order.append("map"))

    def compact(*_: object, **__: object) -> Compaction:
        order.append("compaction")
        done.release()
        return Compaction(Cuts(0, 0, 0), *NOTHING)

    monkeypatch.setattr(module, "compact_once", compact)
    app = fake_app(interval_s=0.05, sources=[object()])
    two_passes(app, done)
    assert order[:4] == ["map", "compaction", "map", "compaction"]
