"""Connections that stall before their request is read, against the app served by uvicorn
on 127.0.0.1 as `svcmap serve` runs it: answered 408 and closed within the header
deadline, and never so many that they hold up an alert."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import App, build_app
from bot.cli.serving import server_config
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.connections import ConnectionLimits
from tests.integration.web.conftest import NOW

TOKEN = "a-webhook-credential"
DEADLINE_S = 1.5
SLACK_S = 1.5
"""What a loaded machine may add to a deadline before a socket is seen closed."""
PARTIAL = b"POST /alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"


def alert_body() -> bytes:
    alert = {
        "status": "firing",
        "labels": {"alertname": "HighErrorRate", "service": "checkout"},
        "annotations": {"summary": "checkout 5xx above 5%"},
        "startsAt": "2023-11-14T22:13:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "fp-1",
    }
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{service="checkout"}',
            "status": "firing",
            "receiver": "svcmap",
            "alerts": [alert],
        }
    ).encode()


@dataclass
class Served:
    app: App
    port: int
    limits: ConnectionLimits
    sockets: list[socket.socket] = field(default_factory=list)

    def connect(self, data: bytes = b"") -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.sockets.append(sock)
        if data:
            sock.sendall(data)
        return sock

    def alert(self) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        answer = httpx.post(
            f"http://127.0.0.1:{self.port}/alerts/alertmanager",
            content=alert_body(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            timeout=30,
        )
        return answer, time.monotonic() - started


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Serve the web app on a free port of 127.0.0.1 with the limits given; stop it after."""
    running: list[tuple[uvicorn.Server, threading.Thread, Served]] = []

    def start(*, max_connections: int = 1000, deadline_s: float = DEADLINE_S) -> Served:
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", alert_token=TOKEN
        )
        app = build_app(settings, clock=lambda: float(NOW))
        limits = ConnectionLimits(header_timeout_s=deadline_s, max_connections=max_connections)
        config = server_config(
            create_app(app, closed=limits.counts), host="127.0.0.1", port=0, limits=limits
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        until = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive(), "the server stopped"
            assert time.monotonic() < until, "the server did not start"
            time.sleep(0.02)
        served = Served(app, server.servers[0].sockets[0].getsockname()[1], limits)
        running.append((server, thread, served))
        return served

    yield start
    for server, thread, served in running:
        for sock in served.sockets:
            sock.close()
        server.should_exit = True
        thread.join(10)
        served.app.close()


def read_until_closed(sock: socket.socket, *, within_s: float) -> tuple[bytes, float]:
    """What the server sent until it closed the connection, and when it closed it."""
    started = time.monotonic()
    sock.settimeout(within_s)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"still open after {within_s} s; received {received[:80]!r}")
    return received, time.monotonic() - started


def closed_within(socks: list[socket.socket], within_s: float) -> list[bytes]:
    """What each socket received before it was closed; fails if one is still open then."""
    until = time.monotonic() + within_s
    return [
        read_until_closed(sock, within_s=max(0.05, until - time.monotonic()))[0] for sock in socks
    ]


def test_a_connection_sending_part_of_its_headers_is_answered_408_and_closed_at_the_deadline(
    serve,
):
    served = serve()
    sock = served.connect(PARTIAL)

    received, after = read_until_closed(sock, within_s=DEADLINE_S + SLACK_S)

    assert received.startswith(b"HTTP/1.1 408 ")
    assert after >= DEADLINE_S * 0.8
    assert served.limits.counts.headers_late == 1


def test_a_trickle_of_header_bytes_does_not_put_off_the_deadline(serve):
    served = serve()
    sock = served.connect(b"GET /livez HTTP/1.1\r\n")
    started = time.monotonic()
    closed = False
    for _ in range(int((DEADLINE_S + SLACK_S) / 0.2)):
        try:
            sock.sendall(b"X-Slow: y\r\n")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        time.sleep(0.2)
    if not closed:
        read_until_closed(sock, within_s=SLACK_S)

    assert time.monotonic() - started <= DEADLINE_S + SLACK_S + 0.5


def test_a_kept_alive_connection_that_stalls_in_its_next_request_is_closed(serve):
    served = serve(deadline_s=1.0)
    sock = served.connect(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    first = sock.recv(4096)
    sock.sendall(b"GET /livez HTTP/1.1\r\nHost: 127")

    received, after = read_until_closed(sock, within_s=1.0 + SLACK_S)

    answers = first + received
    assert answers.startswith(b"HTTP/1.1 200 ")
    assert answers.count(b"HTTP/1.1 408 ") == 1
    assert after < 1.0 + SLACK_S


def test_hundreds_of_stalled_connections_neither_hold_up_an_alert_nor_stay_open(serve):
    served = serve()
    stalled = [served.connect(PARTIAL) for _ in range(300)]

    answer, took = served.alert()
    received = closed_within(stalled, DEADLINE_S + SLACK_S)

    assert answer.status_code == 200, answer.text
    assert took < DEADLINE_S  # answered while all of them were still open
    assert all(data.startswith(b"HTTP/1.1 408 ") for data in received)
    assert served.limits.open == 0


def test_past_the_cap_the_longest_stalled_connections_make_room_and_the_alert_is_answered(
    serve,
):
    served = serve(max_connections=32, deadline_s=30)
    stalled = [served.connect(PARTIAL) for _ in range(200)]

    answer, took = served.alert()
    oldest = closed_within(stalled[:150], SLACK_S * 2)

    assert answer.status_code == 200, answer.text
    assert took < 5
    assert all(data == b"" for data in oldest)  # closed to make room, long before 30 s
    assert served.limits.open <= 32
    assert served.limits.counts.made_room >= 200 - 32


def test_a_request_whose_headers_are_in_may_take_longer_than_the_header_deadline(serve):
    served = serve(deadline_s=1.0)
    body = alert_body()
    head = (
        "POST /alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = served.connect(head)
    for start in range(0, len(body), len(body) // 4 + 1):
        time.sleep(0.5)  # two seconds in all: twice the header deadline
        sock.sendall(body[start : start + len(body) // 4 + 1])

    received, _ = read_until_closed(sock, within_s=10)

    assert received.startswith(b"HTTP/1.1 200 "), received[:200]


def closed_counts(served: Served) -> dict[str, float]:
    """`svcmap_http_connections_closed_total` by reason, as `/metrics` shows it."""
    answer = httpx.get(f"http://127.0.0.1:{served.port}/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    counts = {}
    for family in text_string_to_metric_families(answer.text):
        if family.name == "svcmap_http_connections_closed":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    counts[sample.labels["reason"]] = sample.value
    return counts


def test_metrics_count_the_connections_closed_at_the_header_deadline(serve):
    served = serve()
    before = closed_counts(served)
    stalled = [served.connect(PARTIAL) for _ in range(3)]

    closed_within(stalled, DEADLINE_S + SLACK_S)

    assert before == {"headers_late": 0, "made_room": 0, "turned_away": 0}
    assert closed_counts(served) == {"headers_late": 3, "made_room": 0, "turned_away": 0}


def test_metrics_count_the_connections_closed_to_make_room_under_the_cap(serve):
    served = serve(max_connections=8, deadline_s=30)
    stalled = [served.connect(PARTIAL) for _ in range(20)]

    closed_within(stalled[:10], SLACK_S * 2)
    counts = closed_counts(served)  # the scrape itself makes room for one more

    assert counts["made_room"] >= 20 - 8
    assert counts["headers_late"] == 0
    assert counts["made_room"] == served.limits.counts.made_room


def test_metrics_count_the_connections_turned_away_with_every_one_busy(serve):
    served = serve(max_connections=2, deadline_s=30)
    head = (
        "POST /alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    ).encode()
    busy = [served.connect(head) for _ in range(2)]
    until = time.monotonic() + 10
    while (served.limits.open < 2 or served.limits.waiting) and time.monotonic() < until:
        time.sleep(0.02)  # both in, their headers read: busy with a request

    (received,) = closed_within([served.connect()], SLACK_S * 2)
    for sock in busy:
        sock.close()
    while served.limits.open and time.monotonic() < until:
        time.sleep(0.02)

    assert received.startswith(b"HTTP/1.1 503 "), received[:80]
    assert closed_counts(served) == {"headers_late": 0, "made_room": 0, "turned_away": 1}
