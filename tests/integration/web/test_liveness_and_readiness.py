"""`/livez` answers while the process does; `/readyz`, `/healthz` only while the database does."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from bot.adapters.store.incidents import IncidentLog
from bot.adapters.store.repository import Store
from bot.adapters.store.sources_state import SourceStates
from bot.bootstrap import App, build_app
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.health import READY_TIMEOUT_S
from tests.tcp_relay import TcpRelay


def app_over(url: str) -> App:
    """An app over `url` without opening or migrating it (as a running server has it)."""
    engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 30})
    return App(
        settings=load_settings(database_url=url),
        store=Store(engine),
        clock=time.time,
        engine=engine,
        states=SourceStates(engine),
        incidents=IncidentLog(engine),
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that takes connections and never says a word (a hung database)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    yield listener.getsockname()[1]
    listener.close()


def test_liveness_and_readiness_are_ok_when_the_database_answers(web):
    _, client = web

    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
    assert client.get("/healthz").status_code == 200


def test_a_database_that_hangs_makes_readiness_fail_in_seconds_and_liveness_pass(silent_server):
    app = app_over(f"postgresql+psycopg://svcmap@127.0.0.1:{silent_server}/svcmap")
    with app, TestClient(create_app(app)) as client:
        started = time.monotonic()
        ready = client.get("/readyz")
        waited = time.monotonic() - started
        again = client.get("/healthz")
        live = client.get("/livez")

    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "reason": f"database did not answer within {READY_TIMEOUT_S:g}s",
    }
    assert READY_TIMEOUT_S <= waited < READY_TIMEOUT_S + 2
    assert again.status_code == 503
    assert (live.status_code, live.json()) == (200, {"status": "ok"})


def test_a_database_nobody_listens_for_makes_readiness_fail_and_liveness_pass(silent_server):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app = app_over(f"postgresql+psycopg://svcmap@127.0.0.1:{closed}/svcmap")
    with app, TestClient(create_app(app)) as client:
        ready = client.get("/readyz")
        live = client.get("/livez")

    assert ready.status_code == 503
    assert ready.json()["reason"] == "database unreachable: OperationalError"
    assert live.status_code == 200


@pytest.mark.postgres
def test_readiness_fails_once_a_running_servers_postgres_is_gone_and_liveness_still_passes():
    base = os.environ.get("SVCMAP_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SVCMAP_TEST_POSTGRES_URL is not set")
    parsed = make_url(base)
    relay = TcpRelay((parsed.host or "127.0.0.1", parsed.port or 5432))
    url = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    with build_app(load_settings(database_url=url)) as app, TestClient(create_app(app)) as client:
        before = client.get("/readyz").status_code
        relay.cut()
        after = client.get("/readyz")
        live = client.get("/livez")

    assert before == 200
    assert after.status_code == 503
    assert after.json()["status"] == "unavailable"
    assert live.status_code == 200
