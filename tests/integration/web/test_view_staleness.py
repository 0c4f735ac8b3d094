"""The web view's map and Slack preview say when a configured source's data lags, as the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import build_app, import_desk
from bot.settings import load_settings
from bot.usecases.importing import import_file
from bot.web.app import create_app
from tests.conftest import REPO
from tests.web_csrf import csrf_of

WARNING = "warning: the map may be stale: jaeger never pulled"


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator:
    """A client of the web face of an app holding the sample shop's traces, on the real clock."""
    opened = []

    def make(**overrides: object) -> TestClient:
        settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", **overrides)
        app = build_app(settings)
        import_file(import_desk(app), REPO / "samples" / "traces" / "shop-otlp.json")
        client = TestClient(create_app(app), base_url="http://127.0.0.1")
        client.headers["x-csrf-token"] = csrf_of(client)
        opened.append((app, client))
        return client

    yield make
    for app, client in opened:
        client.close()
        app.close()


def test_the_map_of_now_names_a_source_never_pulled(make_client):
    client = make_client(jaeger_url="http://127.0.0.1:9")

    assert client.get("/api/map").json()["stale"] == WARNING


def test_the_preview_of_an_answer_about_now_warns_as_slack_does(make_client):
    client = make_client(jaeger_url="http://127.0.0.1:9")

    shown = client.post("/api/answer", json={"text": "deps checkout"}).json()

    assert shown["stale"] == WARNING
    assert "The map may be stale" in shown["html"]
    assert "jaeger never pulled" in shown["html"]


def test_without_sources_or_about_the_past_nothing_is_said(make_client):
    client = make_client()
    assert client.get("/api/map").json()["stale"] == ""
    assert client.post("/api/answer", json={"text": "deps checkout"}).json()["stale"] == ""


def test_a_map_or_answer_of_the_past_is_not_called_stale(make_client):
    client = make_client(jaeger_url="http://127.0.0.1:9")

    past = client.get("/api/map", params={"at": "2023-11-14T22:00:00Z"}).json()
    answered = client.post(
        "/api/answer", json={"text": "deps checkout --at 2023-11-14T22:00:00Z"}
    ).json()

    assert past["stale"] == ""
    assert answered["stale"] == ""
    assert "stale" not in answered["html"]
