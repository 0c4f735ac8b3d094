"""`svcmap serve` stops within seconds of SIGTERM, busy or not, and its answer workers with it;
killed outright, it leaves no worker behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import start_serve
from tests.otlp_exports import as_json, frontend_calls_cart
from tests.slack.fake_api import FakeSlack
from tests.slack.requests import SECRET, command_body, signed

STOP_S = 10


def children(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _stat(int(entry.name))[1:] == (pid,):
            found.add(int(entry.name))
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie has ended)."""
    return {pid for pid in pids if _stat(pid)[0] not in ("", "Z")}


def _stat(pid: int) -> tuple[str, int | None]:
    """The state and parent of `pid`, or ("", None) once it is gone."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()
    except OSError:
        return "", None
    state, parent = fields[0], int(fields[1])
    return (state, parent) if state != "Z" else ("Z", None)


def workers_of(process: subprocess.Popen[bytes], count: int, timeout_s: float = 30) -> set[int]:
    """The server's child processes, once at least `count` have started."""
    deadline = time.monotonic() + timeout_s
    while len(found := children(process.pid)) < count:
        assert time.monotonic() < deadline, f"only {len(found)} worker processes started"
        time.sleep(0.1)
    return found


def gone_within(pids: set[int], timeout_s: float) -> set[int]:
    """Those of `pids` still running after `timeout_s`, waiting no longer than needed."""
    deadline = time.monotonic() + timeout_s
    while (left := alive(pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def slack_env(tmp_path: Path, fake_slack: FakeSlack) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env.update(
        {
            "SVCMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'svcmap.db'}",
            "HOME": str(tmp_path),
            "SVCMAP_SLACK_BOT_TOKEN": "xoxb-e2e-token",
            "SVCMAP_SLACK_SIGNING_SECRET": SECRET,
            "SVCMAP_SLACK_API_URL": fake_slack.api_url,
            "SVCMAP_SLACK_ANSWER_PROCESSES": "2",
        }
    )
    return env


def test_killed_outright_the_server_leaves_no_answer_worker_running(slack_env, tmp_path):
    process, _ = start_serve(slack_env, tmp_path)
    workers = workers_of(process, 2)
    try:
        process.kill()
        process.wait()
        left = gone_within(workers, 5)
    finally:
        for pid in alive(workers):
            os.kill(pid, signal.SIGKILL)

    assert left == set()


@pytest.fixture
def silent_source() -> Iterator[str]:
    """A source URL on 127.0.0.1 that takes connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_sigterm_stops_a_busy_server_and_its_workers_within_seconds(
    slack_env, tmp_path, fake_slack, silent_source
):
    # Spans, maps and Slack questions coming in, and a refresh pass stuck on a source.
    slack_env.update(
        SVCMAP_JAEGER_URL=silent_source, SVCMAP_SOURCE_TIMEOUT="60", SVCMAP_REFRESH_INTERVAL="1"
    )
    process, base = start_serve(slack_env, tmp_path)
    stop = threading.Event()

    def busy() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                command = command_body("deps cart", response_url=fake_slack.response_url())
                try:
                    client.post(
                        "/v1/traces",
                        content=as_json(frontend_calls_cart(start_ns=time.time_ns())),
                        headers={"Content-Type": "application/json"},
                    )
                    client.get("/api/map")
                    client.post("/slack/events", content=command, headers=signed(command))
                except httpx.HTTPError:
                    pass

    senders = [threading.Thread(target=busy, daemon=True) for _ in range(6)]
    try:
        workers = workers_of(process, 2)
        for sender in senders:
            sender.start()
        time.sleep(2)
        started = time.monotonic()
        process.terminate()
        try:
            code = process.wait(timeout=STOP_S + 5)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - started
        left = gone_within(workers, 2)
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in alive(workers):
            os.kill(pid, signal.SIGKILL)

    assert code == 0
    assert took < STOP_S
    assert left == set()
