"""Pausing the cycle collector around bulk work that makes millions of acyclic objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector for the block, restoring its state after.

    Parsing, linking and storing a large import allocate millions of objects and hardly
    any cycles; left running, the collector walks them all again and again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
