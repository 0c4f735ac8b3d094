"""Maps read from the store, kept for a few seconds so a burst of questions reads once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from bot.usecases.windows import Window
from topology.gcpause import settle_survivors
from topology.graph import ServiceGraph

BUCKET_S = 60
"""Buckets start on whole minutes, so windows equal to the minute read the same buckets."""
TTL_S = 15.0
"""How long a map of a fixed window answers questions before it is read again, once new
calls were stored after it was read."""
QUIET_TTL_S = 120.0
"""How long a map of a fixed window answers when nothing was stored since it was read: the
web view looking at one time of a large map (seconds to read) keeps it while browsing."""
LIVE_TTL_S = 60.0
"""How long a map of a window ending now answers questions about now: at most a minute
behind, about as far as a refresh pass (every minute by default) lets the store be."""
SETTLE_S = 5.0
"""After new calls arrive, a map of now read longer ago than this is read again."""
KEPT = 8
"""Maps kept at most (each window is its own map)."""

Key = tuple[str, int | None, int | None]
Stamp = tuple[int, int]
"""How many times a cache was cleared, and told of new calls: `GraphCache.stamp`."""


class GraphCache:
    """The map of each recent window; one read per window even when asked at once."""

    def __init__(
        self,
        clock: Callable[[], float],
        ttl_s: float = TTL_S,
        live_ttl_s: float = LIVE_TTL_S,
        quiet_ttl_s: float = QUIET_TTL_S,
    ) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self._quiet_ttl_s = max(ttl_s, quiet_ttl_s)
        self._live_ttl_s = live_ttl_s
        self._changed_at = float("-inf")
        self._maps: OrderedDict[Key, tuple[float, ServiceGraph]] = OrderedDict()
        self._reading: dict[Key, threading.Lock] = {}
        self._lock = threading.Lock()
        self._clears = self._changes = 0
        self._followed: Stamp = (0, 0)
        self._listeners: list[Callable[[Stamp], None]] = []

    def get(
        self,
        window: Window,
        read: Callable[[Window], ServiceGraph],
        *,
        now: int | None = None,
    ) -> ServiceGraph:
        """The map of `window`: a recent read of the same buckets, or `read(window)`.

        With `now`, the window is one that ends now (a question without `--at`): a map of
        a window as long, read up to `LIVE_TTL_S` earlier, answers it. A map is as old as
        the moment its read began: calls stored while it was read are not in it.
        """
        key = _key(window, now)
        found = self._fresh(key)
        if found is not None:
            return found
        with self._lock:
            reading = self._reading.setdefault(key, threading.Lock())
        with reading:
            try:
                found = self._fresh(key)
                if found is not None:
                    return found
                began = self._clock()
                graph = read(window)
                settle_survivors()
                with self._lock:
                    self._maps[key] = (began, graph)
                    self._maps.move_to_end(key)
                    while len(self._maps) > KEPT:
                        self._maps.popitem(last=False)
                return graph
            finally:
                # Kept only while read: windows asked for are as many as askers like.
                with self._lock:
                    if self._reading.get(key) is reading:
                        del self._reading[key]

    def cached(self, window: Window, *, now: int | None = None) -> ServiceGraph | None:
        """The map `get` would answer for `window` without reading, if it holds one."""
        return self._fresh(_key(window, now))

    def changed(self) -> None:
        """New calls were stored: maps of now read before this are kept only a few seconds."""
        with self._lock:
            self._changed_at = self._clock()
            self._changes += 1
        self._tell()

    def clear(self) -> None:
        """Forget every map, so the next question reads the store (after a refresh)."""
        with self._lock:
            self._maps.clear()
            self._clears += 1
        self._tell()

    @property
    def stamp(self) -> Stamp:
        """How many times this cache was cleared, and told of new calls, so far."""
        return (self._clears, self._changes)

    def listen(self, listener: Callable[[Stamp], None]) -> None:
        """Call `listener` with the new stamp after every `changed` and `clear`."""
        self._listeners.append(listener)

    def follow(self, stamp: Stamp) -> bool:
        """Do what another process's cache did since the last `stamp` followed.

        The other cache holds maps of the same store. Answers whether this one was cleared.
        """
        with self._lock:
            clears, changes = self._followed
            self._followed = stamp
        if stamp[0] > clears:
            self.clear()
            return True
        if stamp[1] > changes:
            self.changed()
        return False

    def _tell(self) -> None:
        stamp = self.stamp
        for listener in self._listeners:
            listener(stamp)

    def _fresh(self, key: Key) -> ServiceGraph | None:
        with self._lock:
            entry = self._maps.get(key)
            changed_at = self._changed_at
        if entry is None:
            return None
        read_at, graph = entry
        age = self._clock() - read_at
        if key[0] != "live":
            quiet = read_at >= changed_at
            return graph if age < (self._quiet_ttl_s if quiet else self._ttl_s) else None
        outdated = read_at < changed_at and age >= SETTLE_S
        return graph if age < self._live_ttl_s and not outdated else None


def _minute(moment: int | None) -> int | None:
    """`moment` rounded up to a whole minute: the same buckets start at or after either."""
    return None if moment is None else -(-moment // BUCKET_S) * BUCKET_S


def _offset(moment: int | None, end: int) -> int | None:
    """Where `moment` lies relative to `end`: the same for the same question asked later."""
    return None if moment is None else moment - end


def _key(window: Window, now: int | None) -> Key:
    """The buckets a window reads: fixed minutes, or (with `now`) offsets from its end.

    A window ending now was made from a clock read a moment before `now` was: a second may
    have passed in between. Offsets from its own end are the same whenever it was made.
    """
    if now is None:
        return ("at", _minute(window.start), _minute(window.end))
    end = now if window.end is None else window.end
    return ("live", _offset(window.start, end), _offset(window.end, end))
