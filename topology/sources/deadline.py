"""One HTTP request, answer included, within a deadline: a server that drips is cut off.

httpx's timeouts bound each connect, read and write; a server sending one byte per
second never trips them. Here the whole answer is read in chunks, and the request fails
once the deadline has passed, however steadily the bytes come.
"""

from __future__ import annotations

import time

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
    started = time.monotonic()
    response = client.send(request, stream=True)
    try:
        chunks = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            if limit is not None and time.monotonic() - started > limit:
                raise DeadlineExceededError(f"no whole answer within {limit:g}s", request=request)
        return response, b"".join(chunks)
    finally:
        response.close()
