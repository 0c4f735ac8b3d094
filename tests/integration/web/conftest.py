"""An app over a fresh SQLite file, and a Starlette test client in front of it."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its test client; httpx is what svcmap depends on.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from bot.bootstrap import App, build_app
from bot.settings import load_settings
from bot.web.app import create_app
from tests.web_csrf import csrf_of

NOW = 1_700_000_070


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., tuple[App, TestClient]]]:
    """Build an app (with setting overrides) and a client of its web face; closed after."""
    opened: list[tuple[App, TestClient]] = []

    def make(**overrides: object) -> tuple[App, TestClient]:
        settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", **overrides)
        app = build_app(settings, clock=lambda: float(NOW))
        client = TestClient(create_app(app), base_url="http://127.0.0.1")
        client.headers["x-csrf-token"] = csrf_of(client)  # as the page's script sends it
        opened.append((app, client))
        return app, client

    yield make
    for app, client in opened:
        client.close()
        app.close()


@pytest.fixture
def web(make_client: Callable[..., tuple[App, TestClient]]) -> tuple[App, TestClient]:
    """An app with the default settings and its client."""
    return make_client()
