"""Request bodies that stop coming: answered 408 in bounded time, or noted in one line.

A client may send headers promising a body and then send it slowly or not at all, or
drop the connection halfway. Without a limit its request would hold a connection and
its handler until the client gave up, if ever; a dropped one ended in a traceback in the
log. Here every body must have arrived `UPLOAD_TIMEOUT_S` after the request began.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_TIMEOUT_S = 30.0
"""Seconds a request's whole body has to arrive: the OpenTelemetry Collector's exporters
give up on a request after 30 s by default, Alertmanager's and Slack's sooner."""

CLIENT_LEFT = 499
"""The status a request whose client left before its answer is counted under (as nginx's)."""

_log = logging.getLogger(__name__)


class UploadTimeoutError(Exception):
    """The request's body did not arrive within the time allowed."""


class UploadDeadline:
    """ASGI middleware: a body not received in time is answered 408; a dropped one is logged."""

    def __init__(self, app: ASGIApp, *, timeout_s: float = UPLOAD_TIMEOUT_S) -> None:
        self._app = app
        self._timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a receive that waits for its body until the deadline."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout_s
        received = 0
        whole = False
        started = False

        async def timed_receive() -> Message:
            nonlocal received, whole
            if whole:  # past the body, a handler waits for the client's leaving: no limit
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise UploadTimeoutError from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                whole = not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        path, peer = scope.get("path", ""), _peer(scope)
        try:
            await self._app(scope, timed_receive, tracked_send)
        except UploadTimeoutError:
            _log.warning(
                "answered 408 to %s from %s: %d bytes of its body came in %g s",
                path,
                peer,
                received,
                self._timeout_s,
            )
            if not started:
                await _timed_out(send, self._timeout_s)
        except ClientDisconnect:
            _log.info("%s from %s left after %d bytes of its body", path, peer, received)
            if not started:  # nobody reads it: the server drops it, /metrics counts it
                await send({"type": "http.response.start", "status": CLIENT_LEFT, "headers": []})
                await send({"type": "http.response.body", "body": b""})


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _timed_out(send: Send, timeout_s: float) -> None:
    body = f"the request's body did not arrive within {timeout_s:g} s\n".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 408, "headers": headers})
    await send({"type": "http.response.body", "body": body})
