"""What was read of the store for a window ending now, kept as its map is (`graphs`).

For a burst of alerts: what the first read of a window's buckets serves the next ones of
the same minute. Read again after `LIVE_TTL_S`, once the map cache was cleared (a
refresh), and `SETTLE_S` after new calls were stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from bot.usecases.graphs import BUCKET_S, LIVE_TTL_S, SETTLE_S, Stamp

KEPT = 2
"""Windows kept at most: the minute being read, and the one before it."""

Kept = TypeVar("Kept")
Made = TypeVar("Made")


class MinuteCache(Generic[Kept]):
    """One value per window of buckets, used by one caller at a time."""

    def __init__(self, clock: Callable[[], float], ttl_s: float = LIVE_TTL_S) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self._entries: OrderedDict[tuple[int, int], tuple[float, Stamp, Kept]] = OrderedDict()
        self._lock = threading.Lock()

    def use(
        self,
        window: tuple[int, int],
        stamp: Stamp,
        make: Callable[[], Kept],
        work: Callable[[Kept], Made],
    ) -> Made:
        """`work` on the value of the buckets starting in `window` (`make` when none is fresh).

        `stamp` is the map cache's (`GraphCache.stamp`) now. Callers take turns, so that
        what one adds to the value is there for the next.
        """
        start, end = window
        key = (start, -(-end // BUCKET_S) * BUCKET_S)  # the same buckets start before either end
        with self._lock:
            value = self._fresh(key, stamp)
            if value is None:
                value = make()
                self._entries[key] = (self._clock(), stamp, value)
                self._entries.move_to_end(key)
                while len(self._entries) > KEPT:
                    self._entries.popitem(last=False)
            return work(value)

    def _fresh(self, key: tuple[int, int], stamp: Stamp) -> Kept | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        read_at, kept_stamp, value = entry
        age = self._clock() - read_at
        if age >= self._ttl_s or stamp[0] != kept_stamp[0]:
            return None
        if stamp[1] != kept_stamp[1] and age >= SETTLE_S:
            return None
        return value
