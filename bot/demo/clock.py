"""The demo's clock: the wall clock, or one running `speed` times faster from its start."""

from __future__ import annotations

import time
from collections.abc import Callable


class DemoClock:
    """Seconds since the epoch that pass `speed` times as fast as real ones."""

    def __init__(self, speed: float = 1.0, *, real: Callable[[], float] = time.time) -> None:
        if speed <= 0:
            raise ValueError("the clock's speed must be more than 0")
        self._real = real
        self._speed = speed
        self._start = real()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    def __call__(self) -> float:
        """The simulated time now."""
        return self._start + (self._real() - self._start) * self._speed
