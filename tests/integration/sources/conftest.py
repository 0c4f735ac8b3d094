"""Fixtures of the source tests: a fake backend on 127.0.0.1 and a client of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.sources.fakeserver import FakeServer


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A fresh fake backend on a free port of 127.0.0.1."""
    fake = FakeServer()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def client(server: FakeServer) -> Iterator[httpx.Client]:
    """A client of the fake backend, carrying a secret that must never show in errors."""
    with httpx.Client(
        base_url=server.url, timeout=5.0, headers={"Authorization": "Bearer s3cr3t-token"}
    ) as http:
        yield http


@pytest.fixture
def api_fixtures(fixtures_dir: Path) -> Path:
    """The recorded API payloads."""
    return fixtures_dir / "api"
