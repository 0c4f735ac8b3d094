"""Connections that stall before their request is read: a deadline on headers, a cap on sockets.

uvicorn's HTTP/1.1 server (h11) holds a connection for as long as its request's headers
are incomplete: a client sending part of its headers and then nothing, or a byte now and
then (slowloris), holds a socket for ever, and enough of them take every descriptor the
process may open. Here each request's headers must be complete `header_timeout_s` after
the connection opened, or after the answer to its previous request; past that the
client is answered 408 and the connection closed. And at most `max_connections` are
open at once: a new one past the cap closes the connection that has waited longest for
a request (partial headers, or idle between requests), and is itself turned away with
503 only when every other connection is busy with a request. A request whose headers are
in is left alone here: its body has its own deadline (`bot.web.uploads`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_log = logging.getLogger(__name__)

LOG_EVERY_S = 60.0
"""Seconds at least between two log lines about connections closed here."""


def _answer(status: bytes, text: bytes, *extra: bytes) -> bytes:
    """A whole HTTP/1.1 answer closing the connection, written before any request is read."""
    head = [
        b"HTTP/1.1 " + status,
        b"content-type: text/plain; charset=utf-8",
        b"content-length: " + str(len(text)).encode(),
        *extra,
        b"connection: close",
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + text


_TIMED_OUT = _answer(b"408 Request Timeout", b"request headers did not arrive in time\n")
_TURNED_AWAY = _answer(
    b"503 Service Unavailable", b"too many open connections\n", b"retry-after: 1"
)


@dataclass
class Counts:
    """Connections closed here since the server started, by why."""

    headers_late: int = 0
    """Answered 408: their headers did not arrive in time."""
    made_room: int = 0
    """Closed while waiting for a request, to make room under the cap."""
    turned_away: int = 0
    """Answered 503 on arrival: every open connection was busy."""


@dataclass
class ConnectionLimits:
    """The deadline and the cap, and what the connections of one server are doing."""

    header_timeout_s: float
    max_connections: int
    clock: Callable[[], float] = time.monotonic
    counts: Counts = field(default_factory=Counts)
    _open: set[LimitedH11Protocol] = field(default_factory=set)
    _waiting: dict[LimitedH11Protocol, float] = field(default_factory=dict)
    """Connections waiting for a request's headers, the longest waiting first."""
    _logged: tuple[float, Counts] = (float("-inf"), Counts())

    @property
    def open(self) -> int:
        """Connections open now (not counting those being closed)."""
        return len(self._open)

    @property
    def waiting(self) -> int:
        """Open connections waiting for a request's headers now."""
        return len(self._waiting)

    def protocol(self) -> type[LimitedH11Protocol]:
        """The uvicorn protocol class (`http=`) that keeps these limits."""
        return type("SvcmapH11Protocol", (LimitedH11Protocol,), {"limits": self})

    def arrived(self, connection: LimitedH11Protocol) -> bool:
        """Count `connection` in; whether it may stay (room was made, or there was room)."""
        self._open.add(connection)
        while len(self._open) > self.max_connections:
            oldest = next(iter(self._waiting), None)
            if oldest is None:
                self._open.discard(connection)
                self.counts.turned_away += 1
                self._note()
                return False
            self.left(oldest)
            oldest.hang_up(None)
            self.counts.made_room += 1
        self._note()
        return True

    def wait(self, connection: LimitedH11Protocol) -> None:
        """`connection` waits for a request's headers from now."""
        self._waiting.pop(connection, None)
        self._waiting[connection] = self.clock()

    def busy(self, connection: LimitedH11Protocol) -> None:
        """`connection` has a request's headers: no deadline here."""
        self._waiting.pop(connection, None)

    def left(self, connection: LimitedH11Protocol) -> None:
        """`connection` is closed or closing."""
        self._waiting.pop(connection, None)
        self._open.discard(connection)

    def late(self) -> None:
        """A connection was answered 408."""
        self.counts.headers_late += 1
        self._note()

    def _note(self) -> None:
        """Log what was closed since the last line, at most once a `LOG_EVERY_S`."""
        now = self.clock()
        at, before = self._logged
        counts = self.counts
        if now - at < LOG_EVERY_S or counts == before:
            return
        _log.warning(
            "connections closed: %d whose headers came too late (over %g s), %d waiting "
            "for a request to make room, %d turned away with all %d busy",
            counts.headers_late - before.headers_late,
            self.header_timeout_s,
            counts.made_room - before.made_room,
            counts.turned_away - before.turned_away,
            self.max_connections,
        )
        self._logged = (now, Counts(**vars(counts)))


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on request headers and a cap on connections.

    Made by `ConnectionLimits.protocol`, which sets `limits`.
    """

    limits: ConnectionLimits
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Count the connection in, or turn it away; start the deadline of its headers."""
        super().connection_made(transport)
        if not self.limits.arrived(self):
            self.hang_up(_TURNED_AWAY)
            return
        self._wait()

    def data_received(self, data: bytes) -> None:
        """Read as uvicorn does; the deadline ends once a request's headers are in."""
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        """As uvicorn does; a connection kept for another request waits for it from now."""
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        """Count the connection out."""
        self._stop_deadline()
        self.limits.left(self)
        super().connection_lost(exc)

    def hang_up(self, response: bytes | None) -> None:
        """Send `response` (raw bytes), if any, and close the connection."""
        self._stop_deadline()
        self.limits.left(self)
        if not self.transport.is_closing():
            if response is not None:
                self.transport.write(response)
            self.transport.close()

    def _follow(self) -> None:
        """Start or stop the deadline as the connection waits for a request or has one."""
        if self.transport.is_closing():
            self._stop_deadline()
            self.limits.left(self)
        elif self.conn.their_state is h11.IDLE:
            if self._deadline is None:
                self._wait()
        else:
            self._stop_deadline()
            self.limits.busy(self)

    def _wait(self) -> None:
        self.limits.wait(self)
        self._deadline = self.loop.call_later(self.limits.header_timeout_s, self._expire)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        self.limits.late()
        self.hang_up(_TIMED_OUT if self.conn.our_state is h11.IDLE else None)
