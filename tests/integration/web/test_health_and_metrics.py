"""`/healthz` says whether the database answers; `/metrics` shows the counters."""

import time

from sqlalchemy import create_engine
from starlette.testclient import TestClient

from bot.adapters.store.incidents import IncidentLog
from bot.adapters.store.repository import Store
from bot.adapters.store.sources_state import SourceStates
from bot.bootstrap import App
from bot.settings import load_settings
from bot.web.app import create_app
from tests.otlp_exports import as_protobuf, frontend_calls_cart


def test_healthz_is_ok_when_the_database_answers(web):
    _, client = web

    answer = client.get("/healthz")

    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_healthz_is_503_with_a_reason_when_the_database_cannot_be_reached(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing' / 'dir' / 'svcmap.db'}"
    engine = create_engine(url)
    app = App(
        settings=load_settings(database_url=url),
        store=Store(engine),
        clock=time.time,
        engine=engine,
        states=SourceStates(engine),
        incidents=IncidentLog(engine),
    )
    with app, TestClient(create_app(app), base_url="http://127.0.0.1") as client:
        answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert "database unreachable" in answer.json()["reason"]


def test_metrics_show_spans_and_requests_counted(web):
    _, client = web
    body = as_protobuf(frontend_calls_cart()).SerializeToString()
    client.post("/v1/traces", content=body, headers={"Content-Type": "application/x-protobuf"})
    client.get("/healthz")

    answer = client.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert "svcmap_otlp_spans_received_total 4.0" in text
    assert "svcmap_otlp_spans_accepted_total 4.0" in text
    assert "svcmap_otlp_spans_rejected_total 0.0" in text
    assert 'svcmap_http_requests_total{route="/v1/traces",status="200"} 1.0' in text
    assert 'svcmap_http_requests_total{route="/healthz",status="200"} 1.0' in text
    assert "svcmap_otlp_ingest_seconds_count 1.0" in text


def test_each_app_has_its_own_metrics(make_client):
    _, first = make_client()
    _, second = make_client()
    first.get("/healthz")

    assert 'route="/healthz"' not in second.get("/metrics").text
