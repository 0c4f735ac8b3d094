"""A store that hangs or has no free connection: the routes that store answer 503 in seconds."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.testclient import TestClient

from bot.adapters.store.engine import WRITES, Timeouts, make_engine, postgres_connect_args
from bot.bootstrap import App, build_app
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.deadline import RETRY_AFTER_S
from tests.otlp_exports import as_json, frontend_calls_cart
from tests.tcp_relay import TcpRelay

TOKEN = "t0ken-for-tests"
ALERT_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
DEADLINE_S = 2


def alert() -> bytes:
    """One firing alert, as Alertmanager sends it."""
    return (
        b'{"version": "4", "groupKey": "{}:{alertname=\\"Down\\"}", "status": "firing",'
        b' "receiver": "svcmap", "groupLabels": {"alertname": "Down"}, "commonLabels": {},'
        b' "commonAnnotations": {}, "externalURL": "http://am:9093", "truncatedAlerts": 0,'
        b' "alerts": [{"status": "firing", "labels": {"alertname": "Down", "service": "cart"},'
        b' "annotations": {}, "startsAt": "2026-05-01T02:20:00Z",'
        b' "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": "f1"}]}'
    )


def spans() -> bytes:
    """An OTLP/JSON export of spans from now."""
    return as_json(frontend_calls_cart(start_ns=time.time_ns()))


def post_both(client: TestClient) -> list[tuple[int, str | None, float]]:
    """Post an alert and an OTLP export: each answer's status, `Retry-After` and seconds."""
    answers = []
    for path, body, headers in (
        ("/alerts/alertmanager", alert(), ALERT_HEADERS),
        ("/v1/traces", spans(), {"Content-Type": "application/json"}),
    ):
        started = time.monotonic()
        answer = client.post(path, content=body, headers=headers)
        waited = time.monotonic() - started
        answers.append((answer.status_code, answer.headers.get("retry-after"), waited))
    return answers


def app_at(url: str, **settings: object) -> App:
    return build_app(load_settings(database_url=url, alert_token=TOKEN, **settings))


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("SVCMAP_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("SVCMAP_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture
def relay(postgres_url: str) -> Iterator[tuple[TcpRelay, str]]:
    parsed = make_url(postgres_url)
    relay = TcpRelay((parsed.host or "127.0.0.1", parsed.port or 5432))
    yield relay, parsed.set(host="127.0.0.1", port=relay.port).render_as_string(False)
    relay.cut()


def test_the_statement_timeout_is_set_unless_the_url_sets_its_own():
    url = make_url("postgresql+psycopg://svcmap@db/svcmap")
    given = make_url("postgresql+psycopg://svcmap@db/svcmap?options=-c%20statement_timeout%3D9s")

    assert postgres_connect_args(url, Timeouts(statement_s=2.5)) == {
        "connect_timeout": 5,
        "options": "-c statement_timeout=2500",
    }
    assert "options" not in postgres_connect_args(given, Timeouts())


def test_a_store_with_every_connection_taken_answers_503_with_retry_after(tmp_path: Path):
    every_connection_taken(f"sqlite:///{tmp_path / 'svcmap.db'}")


@pytest.mark.postgres
def test_a_postgres_with_every_connection_taken_answers_503_with_retry_after(postgres_url):
    every_connection_taken(postgres_url)


def every_connection_taken(url: str) -> None:
    """Take every pooled connection, then post an alert and spans: both are answered 503."""
    with app_at(url, db_pool_timeout=1) as app:
        held = []
        with contextlib.suppress(PoolTimeoutError):
            while len(held) < 100:
                held.append(app.engine.connect())
        with TestClient(create_app(app), base_url="http://127.0.0.1") as client:
            answers = post_both(client)
        for connection in held:
            connection.close()

    assert [(status, after) for status, after, _ in answers] == [(503, str(RETRY_AFTER_S))] * 2
    assert all(waited < 5 for _, _, waited in answers)


def test_a_sqlite_store_locked_by_another_writer_answers_503_within_the_deadline(tmp_path: Path):
    with app_at(f"sqlite:///{tmp_path / 'svcmap.db'}", ingest_timeout=DEADLINE_S) as app:
        with (
            app.engine.connect() as writer,
            TestClient(create_app(app), base_url="http://127.0.0.1") as client,
        ):
            writer.execution_options(**{WRITES: True})
            with writer.begin():  # holds the write lock, as a long writer would
                answers = post_both(client)
        again = post_both(TestClient(create_app(app), base_url="http://127.0.0.1"))

    assert [(status, after) for status, after, _ in answers] == [(503, str(RETRY_AFTER_S))] * 2
    assert all(waited < DEADLINE_S + 2 for _, _, waited in answers)
    assert [status for status, _, _ in again] == [200, 200]


@pytest.mark.postgres
def test_a_postgres_that_stops_answering_makes_alerts_and_otlp_answer_503_in_seconds(relay):
    frozen, url = relay
    with (
        app_at(url, ingest_timeout=DEADLINE_S) as app,
        TestClient(create_app(app), base_url="http://127.0.0.1") as client,
    ):
        before = post_both(client)
        frozen.freeze()
        answers = post_both(client)

    assert [status for status, _, _ in before] == [200, 200]
    assert [(status, after) for status, after, _ in answers] == [(503, str(RETRY_AFTER_S))] * 2
    assert all(waited < 5 for _, _, waited in answers)


@pytest.mark.postgres
def test_a_postgres_statement_past_the_statement_timeout_is_cancelled(postgres_url):
    engine = make_engine(postgres_url, timeouts=Timeouts(statement_s=0.5))
    started = time.monotonic()
    with engine.connect() as connection, pytest.raises(OperationalError, match="statement timeout"):
        connection.execute(text("SELECT pg_sleep(5)"))
    engine.dispose()

    assert time.monotonic() - started < 3
