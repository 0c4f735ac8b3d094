"""Fixtures of the refresh tests: fake backends on 127.0.0.1, an app wired to them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.adapters.sources.retry import Pacing
from bot.bootstrap import App, build_app
from bot.settings import load_settings
from tests.integration.sources.fakeserver import FakeServer

NOW = 1_700_000_070
PAYLOADS_RETAINED = dict.fromkeys(("retain_minutes", "retain_hours", "retain_days"), "4000d")
"""A minute retention reaching back to the recorded payloads' spans (2018): pulled spans
older than it are refused."""
"""The app's clock at the first pass: 30 s into a minute."""
NO_WAIT = Pacing(sleep=lambda _: None, jitter=lambda: 0.0)
"""Retries that do not wait."""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api_fixtures(fixtures_dir: Path) -> Path:
    """The recorded API payloads."""
    return fixtures_dir / "api"


@pytest.fixture
def servers() -> Iterator[Callable[[], FakeServer]]:
    """Start fake backends on free ports of 127.0.0.1; all stop after the test."""
    started: list[FakeServer] = []

    def start() -> FakeServer:
        fake = FakeServer()
        fake.start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_app(database_url: str, clock: Clock) -> Iterator[Callable[..., App]]:
    """Build the app as `svcmap` does, on a fresh database, with the given settings."""
    apps: list[App] = []

    def make(pacing: Pacing | None = None, **settings: object) -> App:
        settings = {**PAYLOADS_RETAINED, **settings}
        loaded = load_settings(database_url=database_url, **settings)
        app = build_app(loaded, clock=clock, pacing=pacing or NO_WAIT)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()
