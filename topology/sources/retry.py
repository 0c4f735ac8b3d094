"""Asking a server again when it may help: exponential backoff with jitter, `Retry-After` first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from topology.errors import RemoteError

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
