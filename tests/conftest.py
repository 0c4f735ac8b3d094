"""Fixtures every tier uses."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder beside the repository: real trace and API fixtures, datasets."""
    return REPO.parent / "shared"
