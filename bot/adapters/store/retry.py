"""A write that must outlive a blip of the database: tried again with backoff, a few times."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from topology.errors import StoreError

T = TypeVar("T")

TRIES = 5
"""Attempts of a write before its StoreError is raised."""

BASE_S = 0.2
"""The wait after the first failed attempt; doubled after each later one (3 s in all)."""


def persisted(
    write: Callable[[], T],
    *,
    sleep: Callable[[float], None] = time.sleep,
    tries: int = TRIES,
    base_s: float = BASE_S,
) -> T:
    """The result of `write`, tried up to `tries` times while the store fails."""
    attempt = 1
    while True:
        try:
            return write()
        except StoreError:
            if attempt >= tries:
                raise
            sleep(base_s * 2 ** (attempt - 1))
            attempt += 1
