"""Fixtures every tier uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slack.fake_api import FakeSlack

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder beside the repository: real trace and API fixtures, datasets."""
    return REPO.parent / "shared"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1 recording every call; closed after."""
    made = FakeSlack()
    yield made
    made.close()
