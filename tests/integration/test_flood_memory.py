"""bench.name_flood's memory of the server: its child processes, counted once they run.

A child forked but not yet running its own program reports its parent's pages as
resident; counting them doubled the server's peak in the odd sample that caught one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.memory import children, rss_mb
from bench.name_flood import cpu_s, total_mb

BALLAST_MB = 200


@pytest.fixture
def parent() -> Iterator[subprocess.Popen[bytes]]:
    """A Python process holding BALLAST_MB resident, which forks or starts children on cue."""
    script = (
        "import os, signal, subprocess, sys, time\n"
        f"ballast = bytearray({BALLAST_MB} * 2**20)\n"
        "ballast[::4096] = b'x' * len(ballast[::4096])\n"
        "started = []\n"
        "def fork(*_):\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(60); os._exit(0)\n"
        "def run(*_):\n"
        "    started.append(subprocess.Popen(['sleep', '60']))\n"
        "signal.signal(signal.SIGUSR1, fork)\n"
        "signal.signal(signal.SIGUSR2, run)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    yield process
    for child in children(process.pid):
        os.kill(child, signal.SIGKILL)
    process.kill()
    process.wait(10)
    process.stdout.close()


def wait_for_child(pid: int) -> int:
    for _ in range(500):
        found = children(pid)
        if found and rss_mb(found[0]) > 0:
            return found[0]
        os.sched_yield()
    raise AssertionError("no child appeared")


def test_a_forked_child_still_running_the_parents_program_is_not_counted_again(parent):
    alone = total_mb(parent.pid)
    os.kill(parent.pid, signal.SIGUSR1)
    child = wait_for_child(parent.pid)

    assert rss_mb(child) > BALLAST_MB / 2  # what counting it would add
    assert total_mb(parent.pid) < alone + BALLAST_MB / 2


def test_a_child_running_its_own_program_is_counted(parent):
    alone = total_mb(parent.pid)
    os.kill(parent.pid, signal.SIGUSR2)
    child = wait_for_child(parent.pid)
    for _ in range(500):
        if Path(f"/proc/{child}/exe").readlink().name == "sleep":
            break
        os.sched_yield()

    assert total_mb(parent.pid) == pytest.approx(alone + rss_mb(child), abs=2)


def test_cpu_seconds_grow_with_work():
    before = cpu_s(os.getpid())
    for _ in range(1_000):  # a clock tick's worth of work, at most some seconds of it
        sum(range(100_000))
        if cpu_s(os.getpid()) > before:
            break

    assert cpu_s(os.getpid()) > before
