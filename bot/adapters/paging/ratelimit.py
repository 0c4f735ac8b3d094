"""At most N events per key in any minute: PagerDuty's limit per routing key, kept locally."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

PER_MINUTE = 120
"""Events per routing key and minute PagerDuty accepts, about."""

PERIOD_S = 60.0


def wait_s(sent: deque[float], now: float, *, limit: int, period_s: float = PERIOD_S) -> float:
    """How long to wait before one more event, given the times of those sent (oldest first)."""
    while sent and sent[0] <= now - period_s:
        sent.popleft()
    if len(sent) < limit:
        return 0.0
    return sent[-limit] + period_s - now


class RateLimiter:
    """A sliding-window limit per key; `acquire` sleeps until an event may go. Thread-safe."""

    def __init__(
        self,
        *,
        limit: int = PER_MINUTE,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        period_s: float = PERIOD_S,
    ) -> None:
        self._limit = limit
        self._period_s = period_s
        self._clock = clock
        self._sleep = sleep
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Wait until one more event for `key` is within the limit, and count it; the wait."""
        waited = 0.0
        while True:
            with self._lock:
                sent = self._sent.setdefault(key, deque())
                pause = wait_s(sent, self._clock(), limit=self._limit, period_s=self._period_s)
                if pause <= 0:
                    sent.append(self._clock())
                    return waited
            self._sleep(pause)
            waited += pause
