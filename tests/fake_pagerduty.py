"""A local stand-in for PagerDuty's Events API v2: records each event, answers as told."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """One answer: status, JSON body, headers, the wait before it and between its bytes.

    `before` runs once the event is taken, just before the answer is sent.
    """

    status: int = 202
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drip_s: float = 0.0
    before: Callable[[], None] | None = None


@dataclass(frozen=True)
class Received:
    """One event as received, and when."""

    event: dict
    at: float
    path: str


class FakePagerDuty:
    """`POST /v2/enqueue` on 127.0.0.1: canned replies in turn, then 202 with the dedup key."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with `replies`, in turn."""
        with self._lock:
            self.replies.extend(replies)

    @property
    def events(self) -> list[dict]:
        """The events received, in order."""
        with self._lock:
            return [item.event for item in self.received]

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[dict]:
        """The events, once at least `count` arrived (or the timeout passed)."""
        deadline = time.monotonic() + timeout_s
        with self._arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
            return [item.event for item in self.received]

    def _next(self, event: dict, path: str) -> Reply:
        with self._arrived:
            self.received.append(Received(event, time.monotonic(), path))
            self._arrived.notify_all()
            if self.replies:
                return self.replies.pop(0)
        key = event.get("dedup_key") or "generated-key"
        body = {"status": "success", "message": "Event processed", "dedup_key": key}
        return Reply(202, json.dumps(body).encode())

    def __enter__(self) -> FakePagerDuty:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def _handler(server: FakePagerDuty) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                event = json.loads(raw)
            except ValueError:
                event = {"unreadable": raw.decode("utf-8", "replace")}
            reply = server._next(event, self.path)
            time.sleep(reply.delay_s)
            if reply.before is not None:
                reply.before()
            body = reply.body if reply.body is not None else b""
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.flush()
                for piece in [bytes([b]) for b in body] if reply.drip_s else [body]:
                    time.sleep(reply.drip_s)
                    self.wfile.write(piece)
                    self.wfile.flush()
            except OSError:
                pass  # the client gave up waiting (a timeout test)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it format
            pass

    return Handler
