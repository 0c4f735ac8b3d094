"""One HTTP request, answer included, within a deadline: a server that drips is cut off.

httpx's timeouts bound each connect, read and write; a server sending one byte per
second, headers or body, never trips them. Here the request runs in a thread of its own
while the caller waits for it no longer than the deadline; the thread stops reading as
soon as a byte arrives past the deadline, and closes the answer.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError

import httpx


class DeadlineExceededError(httpx.TimeoutException):
    """The whole request took longer than its deadline."""


def whole_request_s(timeout: httpx.Timeout) -> float | None:
    """The deadline a client's timeout sets for a whole request: its longest part, or none."""
    parts = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t]
    return max(parts) if parts else None


def send_within(
    client: httpx.Client, request: httpx.Request, *, deadline_s: float | None = None
) -> tuple[httpx.Response, bytes]:
    """The answer to `request` and its (decoded) body, both read within `deadline_s`.

    Without `deadline_s` the client's timeout is the deadline (`whole_request_s`). The
    answer is closed when this returns; a request past its deadline raises
    `DeadlineExceededError`, an `httpx.TimeoutException`.
    """
    limit = deadline_s if deadline_s is not None else whole_request_s(client.timeout)
    if limit is None:
        return _read(client, request, None)
    ends = time.monotonic() + limit
    outcome: Future[tuple[httpx.Response, bytes]] = Future()

    def run() -> None:
        try:
            outcome.set_result(_read(client, request, ends))
        except BaseException as error:  # noqa: BLE001 - handed to the caller as it is
            outcome.set_exception(error)

    threading.Thread(target=run, name="svcmap-http", daemon=True).start()
    try:
        return outcome.result(timeout=limit)
    except FutureTimeoutError:
        raise DeadlineExceededError(f"no whole answer within {limit:g}s", request=request) from None


def _read(
    client: httpx.Client, request: httpx.Request, ends: float | None
) -> tuple[httpx.Response, bytes]:
    response = client.send(request, stream=True)
    try:
        chunks = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            if ends is not None and time.monotonic() > ends:
                raise DeadlineExceededError("the answer outlasted its deadline", request=request)
        return response, b"".join(chunks)
    finally:
        response.close()
