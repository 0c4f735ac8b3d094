"""The client's timeout bounds a whole request, whichever part of the answer a server drips."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.adapters.sources import fetch
from bot.adapters.sources.deadline import DeadlineExceededError, send_within
from topology.errors import SourceError

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@pytest.fixture
def dripping() -> Iterator[str]:
    """A server on 127.0.0.1 sending its whole answer, status line first, a byte every 0.2 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection, contextlib.suppress(OSError):
                connection.recv(65536)
                for byte in ANSWER:
                    if stop.wait(0.2):
                        return
                    connection.sendall(bytes([byte]))

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


def test_a_server_dripping_its_headers_is_cut_off_at_the_client_timeout(dripping):
    started = time.monotonic()
    with (
        httpx.Client(base_url=dripping, timeout=1.0) as client,
        pytest.raises(SourceError, match="GET /api/services: timed out") as caught,
    ):
        fetch.get(client, "/api/services", source="jaeger")
    took = time.monotonic() - started

    assert caught.value.retryable
    assert took < 1.5


def test_an_explicit_deadline_is_kept_whatever_the_client_timeout(dripping):
    started = time.monotonic()
    with httpx.Client(base_url=dripping, timeout=30.0) as client:
        request = client.build_request("GET", "/")
        with pytest.raises(DeadlineExceededError):
            send_within(client, request, deadline_s=0.5)
    assert time.monotonic() - started < 1.0


def test_an_answer_within_the_deadline_is_read_whole():
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=b'{"data": []}'))
    with httpx.Client(transport=transport, base_url="http://jaeger", timeout=1.0) as client:
        response, body = send_within(client, client.build_request("GET", "/api/services"))

    assert (response.status_code, body) == (200, b'{"data": []}')
