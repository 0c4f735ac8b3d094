"""`svcmap serve` killed outright while client spans wait for their server spans loses none."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import SVCMAP, Run, start_serve
from tests.integration.conftest import database_url  # noqa: F401 - SQLite and Postgres
from tests.otlp_exports import CLIENT, SERVER, OtlpSpanSpec, as_protobuf

CALLS = 500
PROTOBUF = {"Content-Type": "application/x-protobuf"}


def halves(count: int) -> tuple[bytes, bytes]:
    """The frontend's client halves of `count` calls to cart, and cart's server halves."""
    start_ns = time.time_ns() - 30_000_000_000
    frontend, cart = [], []
    for number in range(count):
        trace = f"{number + 1:032x}"
        frontend.append(
            OtlpSpanSpec("a000000000000002", "a000000000000001", CLIENT,
                         {"peer.service": "cart"}, trace_id=trace, start_ns=start_ns)
        )  # fmt: skip
        cart.append(
            OtlpSpanSpec("b000000000000001", "a000000000000002", SERVER,
                         trace_id=trace, start_ns=start_ns)
        )  # fmt: skip
    return (
        as_protobuf({"frontend": frontend}).SerializeToString(),
        as_protobuf({"cart": cart}).SerializeToString(),
    )


@pytest.fixture
def environment(database_url: str, tmp_path: Path) -> dict[str, str]:  # noqa: F811 - the fixture
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env.update({"SVCMAP_DATABASE_URL": database_url, "HOME": str(tmp_path)})
    return env


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The `svcmap serve` processes started; killed after."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


Servers = list[subprocess.Popen[bytes]]


def serve(env: dict[str, str], tmp_path: Path, servers: Servers, wait: str) -> str:
    process, base = start_serve({**env, "SVCMAP_OTLP_PAIRING_WAIT": wait}, tmp_path)
    servers.append(process)
    return base


def client_halves_then_sigkill(
    env: dict[str, str], tmp_path: Path, servers: Servers, wait: str
) -> bytes:
    """Serve, have the client halves answered 200, kill the server; the server halves."""
    clients, server_halves = halves(CALLS)
    base = serve(env, tmp_path, servers, wait)
    assert httpx.post(f"{base}/v1/traces", content=clients, headers=PROTOBUF).status_code == 200
    process = servers.pop()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    return server_halves


def edges(env: dict[str, str], tmp_path: Path) -> list[tuple[str, str, int]]:
    done = subprocess.run(
        [str(SVCMAP), "edges", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    run = Run(done.returncode, done.stdout, done.stderr)
    assert run.code == 0, run.err
    found = run.json()
    assert isinstance(found, list)
    return sorted((e["parent"], e["child"], e["calls"]) for e in found)


def test_client_halves_answered_200_pair_with_server_halves_sent_after_a_sigkill(
    environment, tmp_path, servers
):
    server_halves = client_halves_then_sigkill(environment, tmp_path, servers, "5m")
    base = serve(environment, tmp_path, servers, "5m")
    answer = httpx.post(f"{base}/v1/traces", content=server_halves, headers=PROTOBUF, timeout=30)

    assert answer.status_code == 200
    assert edges(environment, tmp_path) == [("frontend", "cart", CALLS)]
    # Sent again, as an exporter would after a lost answer, they add nothing.
    httpx.post(f"{base}/v1/traces", content=server_halves, headers=PROTOBUF, timeout=30)
    assert edges(environment, tmp_path) == [("frontend", "cart", CALLS)]


def test_client_halves_answered_200_count_once_after_a_sigkill_when_no_server_half_comes(
    environment, tmp_path, servers
):
    client_halves_then_sigkill(environment, tmp_path, servers, "5s")
    assert edges(environment, tmp_path) == []
    serve(environment, tmp_path, servers, "5s")
    deadline = time.monotonic() + 20
    while not (found := edges(environment, tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # a few more settles, which must count nothing again

    assert found == [("frontend", "cart", CALLS)]
    assert edges(environment, tmp_path) == [("frontend", "cart", CALLS)]
