"""Asking a server again when it may help: exponential backoff with jitter, `Retry-After` first.

The retrying sources wrap the HTTP adapters, so retries stay at the edge: the composition
root wraps each live source once, and the refresh asks it once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

from bot.adapters.sources.ports import (
    CatalogRead,
    CatalogSource,
    EdgeSource,
    SignalRead,
    SignalSource,
    TraceSource,
)
from topology.errors import RemoteError
from topology.model import Span
from topology.stats import EdgeStats

T = TypeVar("T")

TRIES = 3
"""Attempts at one request, the first included."""

BASE_S = 0.5
"""The wait before the second attempt, before jitter; each later wait doubles."""

CAP_S = 30.0
"""The longest wait between two attempts, `Retry-After` included."""


def backoff_s(
    attempt: int, jitter: float, *, base_s: float = BASE_S, cap_s: float = CAP_S
) -> float:
    """The wait after failed attempt `attempt` (1-based): `base * 2^(attempt-1)`, jittered.

    `jitter` in [0, 1) picks a wait between half and all of the exponential step, so
    replicas retrying together spread out.
    """
    step = min(cap_s, base_s * 2.0 ** (attempt - 1))
    return step * (0.5 + jitter / 2)


def retrying(
    call: Callable[[], T],
    *,
    sleep: Callable[[float], None],
    jitter: Callable[[], float],
    tries: int = TRIES,
    base_s: float = BASE_S,
) -> tuple[T, int]:
    """The result of `call` and the attempts it took; retries only retryable RemoteErrors.

    A server's `retry_after_s` replaces the computed wait (up to `CAP_S`). The last
    error is raised once `tries` attempts have failed.
    """
    attempt = 1
    while True:
        try:
            return call(), attempt
        except RemoteError as error:
            if not error.retryable or attempt >= tries:
                raise
            wait = backoff_s(attempt, jitter(), base_s=base_s)
            if error.retry_after_s is not None:
                wait = min(CAP_S, error.retry_after_s)
            sleep(wait)
            attempt += 1


@dataclass(frozen=True, slots=True)
class Pacing:
    """How the retrying sources wait between attempts; tests pass a sleep that does not."""

    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random


@runtime_checkable
class Retried(Protocol):
    """A source that retries its own requests and counts the retries it made."""

    retries: int


@dataclass(slots=True)
class _Retrying:
    """What the retrying sources share: their pacing and the count of retries so far."""

    pacing: Pacing
    retries: int = 0

    def _call(self, call: Callable[[], T]) -> T:
        def sleep(seconds: float) -> None:
            self.retries += 1
            self.pacing.sleep(seconds)

        result, _ = retrying(call, sleep=sleep, jitter=self.pacing.jitter)
        return result


@dataclass(slots=True)
class RetryingTraceSource(_Retrying):
    """A trace source whose every request is retried when asking again may help."""

    inner: TraceSource = field(kw_only=True)
    name: str = field(init=False)
    """The wrapped source's name."""

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def services(self) -> list[str]:
        """The wrapped source's services, asked again when it may help."""
        return self._call(self.inner.services)

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        """The wrapped source's spans, asked again when it may help."""
        return self._call(lambda: self.inner.traces(start_us=start_us, end_us=end_us, limit=limit))


@dataclass(slots=True)
class RetryingEdgeSource(_Retrying):
    """An edge source whose every request is retried when asking again may help."""

    inner: EdgeSource = field(kw_only=True)
    name: str = field(init=False)
    """The wrapped source's name."""

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def edges(self, *, start_s: int, end_s: int) -> list[EdgeStats]:
        """The wrapped source's edges, asked again when it may help."""
        return self._call(lambda: self.inner.edges(start_s=start_s, end_s=end_s))


@dataclass(slots=True)
class RetryingSignalSource(_Retrying):
    """A signal source whose every request is retried when asking again may help."""

    inner: SignalSource = field(kw_only=True)
    name: str = field(init=False)
    """The wrapped source's name."""
    signals: tuple[str, ...] = field(init=False)
    """The wrapped source's signals."""

    def __post_init__(self) -> None:
        self.name = self.inner.name
        self.signals = self.inner.signals

    def points(self, signal: str, *, start_s: int, end_s: int) -> SignalRead:
        """The wrapped source's points of `signal`, asked again when it may help."""
        return self._call(lambda: self.inner.points(signal, start_s=start_s, end_s=end_s))


@dataclass(slots=True)
class RetryingCatalogSource(_Retrying):
    """A catalog source whose read is retried when asking again may help."""

    inner: CatalogSource = field(kw_only=True)
    name: str = field(init=False)
    """The wrapped source's name."""

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def read(self) -> CatalogRead:
        """The wrapped catalog, asked again when it may help."""
        return self._call(self.inner.read)


def retries_of(source: object) -> int:
    """The retries a source has made so far: 0 for one that does not retry."""
    return source.retries if isinstance(source, Retried) else 0
