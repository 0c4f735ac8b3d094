"""The installed `svcmap` command, run as a user would, against a fresh SQLite file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SVCMAP = Path(sys.executable).with_name("svcmap")


@dataclass(frozen=True)
class Run:
    """What one `svcmap` invocation did."""

    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture
def svcmap(tmp_path: Path) -> Callable[..., Run]:
    """Run `svcmap ARGS...` with its own database and no catalog unless one is given."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'svcmap.db'}"
    env["HOME"] = str(tmp_path)

    def run(*args: str | Path, catalog: Path | None = None) -> Run:
        extra = ["--catalog", str(catalog)] if catalog else []
        done = subprocess.run(
            [str(SVCMAP), *extra, *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_serve(
    env: dict[str, str], cwd: Path, *, timeout_s: float = 30
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `svcmap serve` with `env` on a free port of 127.0.0.1; its base URL once healthy.

    Raises RuntimeError, with the end of its stderr, when it exits or is not healthy in time.
    """
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed once the server is healthy
    process = subprocess.Popen(
        [str(SVCMAP), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe nobody reads: a pipe could fill and stop the server
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                log.close()  # the server writes to its own copy
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            log.seek(0)
            stderr = log.read().decode(errors="replace")
            log.close()
            raise RuntimeError(f"svcmap serve did not become healthy: {stderr[-2000:]}")
        time.sleep(0.1)


@pytest.fixture
def serve_processes() -> dict[str, subprocess.Popen[bytes]]:
    """The `svcmap serve` processes `serve` started, by base URL."""
    return {}


@pytest.fixture
def serve(
    tmp_path: Path, serve_processes: dict[str, subprocess.Popen[bytes]]
) -> Iterator[Callable[..., tuple[str, dict[str, str]]]]:
    """Start `svcmap serve` on a free port of 127.0.0.1 with extra settings; stopped after.

    The database is a fresh SQLite file unless SVCMAP_DATABASE_URL is among the settings.
    """

    def start(**settings: str) -> tuple[str, dict[str, str]]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
        env["SVCMAP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'svcmap.db'}"
        env["HOME"] = str(tmp_path)
        env.update(settings)
        try:
            process, base = start_serve(env, tmp_path)
        except RuntimeError as error:
            pytest.fail(str(error))
        serve_processes[base] = process
        return base, env

    yield start
    for process in serve_processes.values():
        process.terminate()
        process.wait(timeout=15)


@dataclass(frozen=True)
class RunningDemo:
    """A `svcmap demo` subprocess: its base URL, its database and environment."""

    base: str
    port: int
    db: str
    env: dict[str, str]

    def svcmap(self, *args: str) -> Run:
        done = subprocess.run(
            [str(SVCMAP), "--db", self.db, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def now(self) -> int:
        return int(httpx.get(f"{self.base}/demo/state", timeout=10).json()["now"])


def start_demo(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], RunningDemo]:
    """Start `svcmap demo --port <free> ARGS` on a fresh SQLite file; wait for its history."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["HOME"] = str(tmp_path)
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    process = subprocess.Popen(
        [str(SVCMAP), "--db", db, "demo", "--port", str(port), *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    demo = RunningDemo(f"http://127.0.0.1:{port}", port, db, env)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{demo.base}/demo/state", timeout=2).json()["spans_sent"] > 0:
                return process, demo
        except (httpx.TransportError, ValueError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            stderr = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"svcmap demo sent nothing: {stderr[-2000:]}")
        time.sleep(0.2)


def stop_demo(process: subprocess.Popen[bytes]) -> None:
    """Stop a demo started by `start_demo`."""
    process.terminate()
    process.wait(timeout=20)
    if process.stderr:
        process.stderr.close()
