"""A deadline on the store work of the routes that write: past it, 503 and `Retry-After`.

A database that accepts connections and then says nothing holds a request's worker
thread for as long as it hangs, and no timeout of the driver ends that wait. The client
is answered 503 once the deadline has passed (counted from the end of its body, so that
a slow upload is not blamed on the store); the handler carries on in the background,
its late answer dropped. Every 503 of these routes says when to send again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RETRY_AFTER_S = 5
"""What a 503 of a writing route asks the client to wait before sending again."""

_log = logging.getLogger(__name__)


class StoreDeadline:
    """ASGI middleware answering 503 to a request on `paths` not answered within `deadline_s`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: Collection[str],
        deadline_s: float,
        retry_after_s: int = RETRY_AFTER_S,
    ) -> None:
        self._app = app
        self._paths = frozenset(paths)
        self._deadline_s = deadline_s
        self._retry_after = str(retry_after_s).encode()
        self._late: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; answer 503 in its place when it outlasts the deadline."""
        if scope["type"] != "http" or scope.get("path") not in self._paths:
            await self._app(scope, receive, send)
            return
        body_read = asyncio.Event()
        answering = asyncio.Event()
        dropped = False

        async def tracked_receive() -> Message:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_read.set()
            return message

        async def guarded_send(message: Message) -> None:
            if dropped:
                return
            if message["type"] == "http.response.start":
                answering.set()
                message = self._with_retry_after(message)
            await send(message)

        handler = asyncio.ensure_future(self._app(scope, tracked_receive, guarded_send))
        try:
            await _either(handler, body_read, timeout_s=None)
            if handler.done() or await _either(handler, answering, timeout_s=self._deadline_s):
                await handler
                return
        except asyncio.CancelledError:
            handler.cancel()
            raise
        dropped = True
        self._leave(handler, scope.get("path", ""))
        await self._unavailable(send)

    def _with_retry_after(self, message: Message) -> Message:
        if message["status"] != 503:  # noqa: PLR2004 - the status this is about
            return message
        headers = list(message.get("headers", []))
        if any(name.lower() == b"retry-after" for name, _ in headers):
            return message
        return {**message, "headers": [*headers, (b"retry-after", self._retry_after)]}

    async def _unavailable(self, send: Send) -> None:
        body = b'{"error": "the store did not answer in time"}'
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", self._retry_after),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _leave(self, handler: asyncio.Task[None], path: str) -> None:
        """Let `handler` finish in the background; log how, once it has."""
        _log.warning("answered 503 to %s: the store did not answer in time", path)
        self._late.add(handler)

        def finished(done: asyncio.Task[None]) -> None:
            self._late.discard(done)
            if not done.cancelled() and done.exception() is not None:
                _log.error("a late %s request failed: %r", path, done.exception())

        handler.add_done_callback(finished)


async def _either(
    handler: asyncio.Task[None], event: asyncio.Event, *, timeout_s: float | None
) -> bool:
    """Whether `handler` ended or `event` was set within `timeout_s` (None: no limit)."""
    waiting = asyncio.ensure_future(event.wait())
    try:
        done, _ = await asyncio.wait(
            {handler, waiting}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        waiting.cancel()
    return bool(done)
