"""Fixtures every tier uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slack.fake_api import FakeSlack

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Recorded real traces and API payloads (`tests/fixtures/*/SOURCES.md` says where from)."""
    return REPO / "tests" / "fixtures"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1 recording every call; closed after."""
    made = FakeSlack()
    yield made
    made.close()
