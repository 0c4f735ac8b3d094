"""Pausing the cycle collector around bulk work that makes millions of acyclic objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector for the block, restoring its state after.

    Parsing, linking and storing a large import allocate millions of objects and hardly
    any cycles; left running, the collector walks them all again and again. What the block
    kept is settled (`settle_survivors`) before the collector runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            settle_survivors()
            gc.enable()


def settle_survivors() -> None:
    """Move every object alive now into the oldest generation, without walking them.

    A map just read is some 400,000 objects that live until the next map replaces them;
    promoted one generation at a time, the young collections would walk each of them twice
    on the way, the first time at the first allocation after they were made. Nothing stays
    frozen: the oldest generation is collected as before, and garbage is still freed by
    its reference counts.
    """
    gc.freeze()
    gc.unfreeze()
