"""Fixtures of the wire-format tests: the recorded API payloads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def payload(fixtures_dir: Path) -> Callable[[str], bytes]:
    """The bytes of a recorded API payload, by file name."""
    return lambda name: (fixtures_dir / "api" / name).read_bytes()
