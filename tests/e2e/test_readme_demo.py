"""README's demo walk-through, typed as README says into a second terminal, finds payment.

The demo is started as `scripts/demo` starts it, minus its setup, in a directory standing in
for the repository root (the same `.venv`, but no developer's `.env`), with HOME pointing
there: the demo and the commands find svcmap's default store on their own. README's
commands run as written through bash, PATH without the virtual environment, so they work
only if README puts `svcmap` on it. With `--speed`, README says to ask with `--at` the
demo's time: commands that take `--at` get it, and nothing else is added.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli.parser import build_parser
from tests.conftest import REPO
from tests.e2e.conftest import free_port
from tests.readme import code_blocks

pytestmark = pytest.mark.slow

SPEED = "30"
"""Simulated seconds per real second: README's few minutes take a few real seconds."""
FEW_MINUTES_S = 240
SHOP_NODES = 20
VENV_BIN = Path(sys.executable).parent


def walk_through() -> list[str]:
    """The lines of the demo section's shell blocks, in order."""
    return [
        line
        for block in code_blocks()
        if block.section == "The demo" and block.lang == "sh"
        for line in block.lines
        if line.strip()
    ]


def script_minus_setup(root: Path) -> Path:
    """`scripts/demo` as it is, without the line that sets up the environment, under `root`."""
    lines = (REPO / "scripts" / "demo").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if line.strip() != "./scripts/setup"]
    assert len(kept) == len(lines) - 1, "scripts/demo no longer runs ./scripts/setup alone"
    script = root / "scripts" / "demo"
    script.parent.mkdir()
    script.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return script


def user_environment(home: Path, port: int) -> dict[str, str]:
    """A terminal's environment: no svcmap settings, no virtual environment on PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SVCMAP_", "XDG_")) and key != "VIRTUAL_ENV"
    }
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != VENV_BIN]
    env["PATH"] = os.pathsep.join(path)
    env["HOME"] = str(home)
    env["SVCMAP_HTTP_PORT"] = str(port)  # a free port, not 8080; README's --port default
    return env


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A stand-in for the repository root: its virtual environment, and nothing else."""
    (tmp_path / ".venv").symlink_to(VENV_BIN.parent)
    return tmp_path


def wait_for(check, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.5)


def live(base: str) -> bool:
    """Whether the shop's every node sent traffic in the demo's last minute."""
    try:
        answer = httpx.get(f"{base}/api/map", params={"window": "1m"}, timeout=10)
        return len(answer.json()["nodes"]) >= SHOP_NODES
    except (httpx.TransportError, ValueError, KeyError):
        return False


def takes_at(line: str) -> bool:
    """Whether the `svcmap` command on `line` is a question that takes `--at`.

    A command the parser refuses takes nothing: run as typed, it fails with svcmap's words.
    """
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            args = build_parser().parse_args(shlex.split(line, comments=True)[1:])
    except SystemExit:
        return False
    return hasattr(args, "at")


def demo_now(base: str) -> int:
    """The demo's time, as `svcmap demo status` shows it."""
    return int(httpx.get(f"{base}/demo/state", timeout=10).json()["now"])


def wait_until(base: str, due: int) -> None:
    """Wait for the demo's clock to reach `due`."""
    wait_for(lambda: demo_now(base) >= due, "a few of the demo's minutes")


def typed(setup: list[str], line: str, env: dict[str, str], cwd: Path) -> str:
    """Run `line` through bash after the lines that set the terminal up; what it printed."""
    done = subprocess.run(
        ["bash", "-c", "\n".join([*setup, line])],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def demo(root: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`scripts/demo --speed SPEED` minus setup, once live; its base URL and the terminal's env."""
    port = free_port()
    env = user_environment(root, port)
    base = f"http://127.0.0.1:{port}"
    with (root / "demo.log").open("wb") as log:
        process = subprocess.Popen(
            ["bash", str(script_minus_setup(root)), "--speed", SPEED],
            env=env,
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            wait_for(lambda: live(base), "the demo's history and live traffic on its map")
            yield base, env
        except AssertionError as failed:
            said = (root / "demo.log").read_text(errors="replace")[-3000:]
            raise AssertionError(f"{failed}\nthe demo said:\n{said}") from None
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_the_readme_demo_commands_work_as_typed_and_find_the_broken_payment(root: Path, demo):
    base, env = demo
    lines = walk_through()
    assert any(line.startswith("svcmap rca ") for line in lines), lines
    assert any(line.startswith("svcmap demo break payment ") for line in lines), lines
    setup: list[str] = []
    broken_at: int | None = None
    for line in lines:
        if not line.startswith("svcmap "):
            setup.append(line)  # `source .venv/bin/activate`: the terminal keeps what it did
            continue
        if "a few minutes after breaking payment" in line:
            assert broken_at is not None, f"{line}: nothing broke payment before it"
            wait_until(base, broken_at + FEW_MINUTES_S)
        command = line
        if takes_at(line):
            command = f"{shlex.join(shlex.split(line, comments=True))} --at {demo_now(base)}"
        said = typed(setup, command, env, root)
        if line.startswith("svcmap demo break payment "):
            broken_at = demo_now(base)
        if line.startswith("svcmap rca "):
            assert "\n1. payment (score" in said, f"{command}\n{said}"
    assert (root / ".local" / "share" / "svcmap" / "svcmap.db").exists()
