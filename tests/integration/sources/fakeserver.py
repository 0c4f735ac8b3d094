"""A real HTTP server on 127.0.0.1 that serves canned answers per path and records requests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Answer:
    """What the server says to a GET of one path.

    `declared_length` announces more bytes than `body` has, then the server hangs up;
    `drip_s` sends the body one byte at a time, this long apart.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    declared_length: int | None = None
    drip_s: float = 0.0


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str:
        (value,) = self.query[name]
        return value


NOT_FOUND = Answer(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})


class FakeServer:
    """Canned answers by URL path (a list is served in turn, the last one repeating)."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, path: str, *answers: Answer) -> None:
        """Serve `answers` for `path`, one per request, repeating the last."""
        self.answers[path] = list(answers)

    def json(self, path: str, body: bytes, status: int = 200, **headers: str) -> None:
        """Serve one JSON body for `path`."""
        self.answer(path, Answer(status, body, {"Content-Type": "application/json", **headers}))

    def json_each(self, path: str, *bodies: bytes) -> None:
        """Serve JSON `bodies` for `path`, one per request, in turn."""
        json_type = {"Content-Type": "application/json"}
        self.answer(path, *(Answer(200, body, json_type) for body in bodies))

    def paths(self) -> list[str]:
        """The paths asked for, in order."""
        return [seen.path for seen in self.requests]

    def next_answer(self, seen: Seen) -> Answer:
        with self._lock:
            self.requests.append(seen)
            queue = self.answers.get(seen.path)
            if not queue:
                return NOT_FOUND
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def _handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            seen = Seen(
                url.path, parse_qs(url.query), {k.lower(): v for k, v in self.headers.items()}
            )
            answer = server.next_answer(seen)
            time.sleep(answer.delay_s)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                length = answer.declared_length or len(answer.body)
                self.send_header("Content-Length", str(length))
                if answer.declared_length is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.flush()
                pieces = [bytes([b]) for b in answer.body] if answer.drip_s else [answer.body]
                for piece in pieces:
                    time.sleep(answer.drip_s)
                    self.wfile.write(piece)
                    self.wfile.flush()
            except OSError:
                pass  # the client gave up waiting (a timeout test)
            if answer.declared_length is not None:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it format
            pass

    return Handler
