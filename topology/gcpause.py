"""Pausing the cycle collector around bulk work that makes millions of acyclic objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

SERVING_THRESHOLDS = (7_000, 10, 10)
"""The cycle collector's thresholds in a process holding a map for many questions: the
server and its answer workers (CPython's default: 700, 10, 10).

Ranking an alert reads some 400,000 objects that all live until it is done (minute
statistics, latencies, rows); with the default first threshold each one set off the
collector's rule for a full collection (a quarter more long-lived objects) again and
again, about six full walks of the whole heap an alert, 0.1 to 0.8 s each on a busy
machine. Ten times the allocations between young collections leave about one. A blast
radius on a 5,000-service map makes some 10,000 short-lived objects: with the default,
a dozen young collections each time, a tenth of its time.
"""


def serving() -> None:
    """Set the cycle collector's thresholds for a process that holds a map for many questions."""
    gc.set_threshold(*SERVING_THRESHOLDS)


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
