"""Stalled connections (slowloris) against `svcmap serve`: does an alert still get in.

    nice .venv/bin/python -m bench.stalled_connections [--stalled N] [--open-files N]
        [--alerts N]

Starts `svcmap serve` (the installed command) on 127.0.0.1 over an empty SQLite store,
with its open-file limit (soft and hard) set to `--open-files` (default 1024, a common
`ulimit -n`), the header deadline and the connection cap at the settings' defaults, then:

- opens `--stalled` connections (default 2,000) that each send part of a request's headers
  and then nothing, and counts those the server has closed by then;
- sends `--alerts` Alertmanager notifications (default 5), each on a connection of its
  own, and times each answer: one not answered 200 within `ALERT_WAIT_S` counts as lost;
  target: every alert answered, each within 1 s;
- waits for the header deadline and `GRACE_S` more after the last stalled connection
  opened, and counts the stalled connections the server closed (target: all of them);
- the server's open files and CPU seconds at each step, read from /proc.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.summary import figure
from bot.settings import HTTP_HEADER_TIMEOUT_S

SVCMAP = Path(sys.executable).with_name("svcmap")
TOKEN = "bench-alert-token"  # noqa: S105 - the bench server's own credential
ALERT_WAIT_S = 10.0
GRACE_S = 2.0
TARGET_ALERT_S = 1.0
PARTIAL = b"POST /alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"
LIMITED = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
)
ALERT = (
    b'{"version": "4", "groupKey": "{}:{service=\\"checkout\\"}", "status": "firing",'
    b' "receiver": "svcmap", "alerts": [{"status": "firing", "labels": {"alertname":'
    b' "HighErrorRate", "service": "checkout"}, "annotations": {"summary": "5xx above 5%%"},'
    b' "startsAt": "%s", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "fp-%d"}]}'
)


def free_port() -> int:
    """A port of 127.0.0.1 free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(open_files: int, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`svcmap serve` with `open_files` as its limit; its process and port once healthy."""
    port = free_port()
    env = {
        **os.environ,
        "SVCMAP_DATABASE_URL": f"sqlite:///{folder / 'svcmap.db'}",
        "SVCMAP_ALERT_TOKEN": TOKEN,
        "SVCMAP_SLACK_ANSWER_PROCESSES": "0",
    }
    command = [sys.executable, "-c", LIMITED, str(open_files), str(SVCMAP), "serve"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "serve.log").open("wb"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200:
                return process, port
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"svcmap serve did not start: {(folder / 'serve.log').read_text()[-2000:]}")


def open_files(pid: int) -> int:
    """How many files process `pid` holds open."""
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def cpu_s(pid: int) -> float:
    """The CPU seconds process `pid` has used (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stall(port: int, count: int) -> tuple[list[socket.socket], int]:
    """`count` connections that send part of their headers; and how many could not connect."""
    opened, failed = [], 0
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            sock.sendall(PARTIAL)
        except OSError:
            failed += 1
            continue
        opened.append(sock)
    return opened, failed


def closed(socks: list[socket.socket]) -> int:
    """How many of `socks` the server has closed (answered and closed, or reset)."""
    count = 0
    for sock in socks:
        sock.setblocking(False)
        try:
            while sock.recv(65536):
                pass
        except BlockingIOError:
            continue  # open, nothing (more) to read
        except OSError:
            pass
        count += 1
    return count


def alert(port: int, number: int) -> float | None:
    """Seconds until one notification is answered 200, or None if it is not in time."""
    started = time.monotonic()
    starts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        answer = httpx.post(
            f"http://127.0.0.1:{port}/alerts/alertmanager",
            content=ALERT % (starts.encode(), number),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            timeout=ALERT_WAIT_S,
        )
    except httpx.TransportError:
        return None
    return time.monotonic() - started if answer.status_code == 200 else None


def main(argv: list[str] | None = None) -> int:
    """Run the bench; print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stalled", type=int, default=2000)
    parser.add_argument("--open-files", type=int, default=1024)
    parser.add_argument("--alerts", type=int, default=5)
    parser.add_argument("--deadline", type=float, default=HTTP_HEADER_TIMEOUT_S)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="svcmap-stalled-") as scratch:
        process, port = start(args.open_files, Path(scratch))
        pid = process.pid
        try:
            print(f"serve: pid {pid}, open-file limit {args.open_files}, {open_files(pid)} open")
            print(f"before: an alert answered in {alert(port, 0)} s")
            cpu = cpu_s(pid)
            began = time.monotonic()
            socks, failed = stall(port, args.stalled)
            took = time.monotonic() - began
            time.sleep(0.5)
            print(
                f"stalled: {len(socks)} connected ({failed} could not) in {took:.1f} s; "
                f"server holds {open_files(pid)} files; {closed(socks)} closed by the server"
            )
            answered = [alert(port, n) for n in range(1, args.alerts + 1)]
            shown = ", ".join("lost" if t is None else f"{t:.3f}" for t in answered)
            print(f"alerts while stalled: {shown} s")
            wait = max(0.0, began + took + args.deadline + GRACE_S - time.monotonic())
            time.sleep(wait)
            gone = closed(socks)
            print(
                f"{args.deadline + GRACE_S:.0f} s after the last stalled connection opened: "
                f"{gone} of {len(socks)} "
                f"stalled connections closed by the server; it holds {open_files(pid)} files; "
                f"server CPU {cpu_s(pid) - cpu:.2f} s since the stall began"
            )
            lost = sum(t is None for t in answered)
            slowest = max((t for t in answered if t is not None), default=ALERT_WAIT_S)
            figure("alerts lost while stalled", lost, "", "<=", 0)
            figure("slowest alert while stalled", slowest, "s", "<=", TARGET_ALERT_S)
            figure("stalled connections left open", len(socks) - gone, "", "<=", 0)
            for sock in socks:
                sock.close()
        finally:
            process.terminate()
            process.wait(20)
        logged = (Path(scratch) / "serve.log").read_text(errors="replace").splitlines()
        refused = sum("Too many open files" in line for line in logged)
        print(f"server log: {refused} lines of 'Too many open files'; the rest:")
        for line in [line for line in logged if "Too many open files" not in line][-12:]:
            print(f"  {line[:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
