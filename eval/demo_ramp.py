"""Does the demo warn about a slow degradation before its alert fires? `python -m eval.demo_ramp`.

Runs `svcmap demo` (its own SQLite file, a free port, a sped-up clock), breaks one service
with a latency ramp (`svcmap demo break cart --latency 5ms/min`), and follows the demo's
alerts (`/demo/state`) and the early warnings kept (`/api/warnings?all=1`) until the service's
latency alert has fired and `--after` more demo time has passed (or `--limit` after the
break). Prints the demo minutes from the break to the first warning naming the service (its
own series or an edge into or out of it) and to its alert. Figures only.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from bot.demo.faults import parse_latency_or_ramp
from topology.timespec import parse_duration

SVCMAP = Path(sys.executable).with_name("svcmap")
POLL_S = 0.5
START_LIMIT_S = 120


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with a ramp and print when the warning and the alert came."""
    args = _parser().parse_args(argv)
    fixed, per_min = parse_latency_or_ramp(args.ramp)
    if fixed or not per_min:
        say(f"--ramp {args.ramp!r} is a fixed latency; write a ramp like 5ms/min")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        return _measure(args, Path(folder))


def _measure(args: argparse.Namespace, folder: Path) -> int:
    started = time.monotonic()
    breaking = ("demo", "break", args.service, "--latency", args.ramp)
    with running_demo(args, folder) as (client, svcmap):
        broke = svcmap(*breaking)
        if broke.returncode != 0:
            say(f"svcmap demo break failed: {broke.stderr.strip()}")
            return 1
        since = _since(client.get("/demo/state").json(), args.service)
        warned, alerted = _follow(client, args, since)
    _report(args, warned, alerted, since)
    say_cpu(started)
    return 0


Svcmap = Callable[..., "subprocess.CompletedProcess[str]"]
"""Runs `svcmap WORDS... --port PORT` against the demo running."""


@contextmanager
def running_demo(args: argparse.Namespace, folder: Path) -> Iterator[tuple[httpx.Client, Svcmap]]:
    """`svcmap demo` on its own SQLite file in `folder` and a free port, its history sent.

    Yields a client of its HTTP API and a runner of `svcmap` commands aimed at it
    (`--speed`, `--rate` and `--history` of `args`).
    """
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["HOME"] = str(folder)
    db = f"sqlite:///{folder / 'demo.db'}"
    run = (str(SVCMAP), "--db", db, "demo", "--port", str(port))
    pace = ("--speed", str(args.speed), "--rate", str(args.rate), "--history", args.history)

    def svcmap(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the installed svcmap, our own arguments
            [str(SVCMAP), *words, "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    with (folder / "demo.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the same
            [*run, *pace],
            env=env,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                _wait_for_history(client, process)
                yield client, svcmap
        finally:
            process.terminate()
            process.wait(timeout=30)


def say_cpu(started: float) -> None:
    """Print the wall time since `started` and the CPU the demo's processes used."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    say(
        f"  wall {time.monotonic() - started:.0f} s; the demo's processes used "
        f"{used.ru_utime + used.ru_stime:.0f} s of CPU"
    )


def _follow(
    client: httpx.Client, args: argparse.Namespace, since: int
) -> tuple[Mapping[str, object] | None, int | None]:
    """The first warning naming the service (as JSON) and when its latency alert fired."""
    after, limit = parse_duration(args.after), parse_duration(args.limit)
    warned: Mapping[str, object] | None = None
    alerted: int | None = None
    while True:
        state = client.get("/demo/state").json()
        now = int(state["now"])
        if alerted is None:
            alerted = _alert_at(state, args.service)
        found = _first_warning(
            client.get("/api/warnings", params={"all": "1"}).json(), args.service
        )
        if found is not None and (warned is None or _same(found, warned)):
            warned = found  # the first one, as it is now (closed or not)
        if (alerted is not None and now >= alerted + after) or now >= since + limit:
            return warned, alerted
        time.sleep(POLL_S)


def _report(
    args: argparse.Namespace,
    warned: Mapping[str, object] | None,
    alerted: int | None,
    since: int,
) -> None:
    say(
        f"demo ramp: {args.service} --latency {args.ramp} (speed {args.speed:g}, "
        f"rate {args.rate:g}/s, history {args.history})"
    )
    alert_min = None if alerted is None else (alerted - since) / 60
    shown = "not within the limit" if alert_min is None else f"{alert_min:.1f} min after the break"
    say(f"  HighLatency {args.service}: {shown}")
    if warned is None:
        say(f"  first warning naming {args.service}: none")
        return
    opened = int(str(warned["opened_at"]))
    warn_min = (opened - since) / 60
    eta = warned.get("eta_s")
    crosses = "" if not isinstance(eta, int) else f", crosses in {eta / 60:.0f} min"
    closed = warned.get("closed_at")
    lasted = (
        "open at the end"
        if closed is None
        else f"closed {(int(str(closed)) - opened) / 60:.0f} min later"
    )
    say(
        f"  first warning naming {args.service}: {warned['subject']} {warned['metric']} "
        f"{warned['kind']} at {warn_min:.1f} min after the break (level {warned['level']}, "
        f"usual {warned['usual']}, threshold {warned['threshold']}{crosses}; {lasted})"
    )
    if alert_min is not None:
        say(f"  the warning came {alert_min - warn_min:+.1f} min before the alert")


def _first_warning(answer: Mapping[str, object], service: str) -> Mapping[str, object] | None:
    """The earliest opened of the kept warnings whose subject names `service`."""
    listed = answer.get("warnings")
    found = [
        warning
        for warning in (listed if isinstance(listed, list) else [])
        if service in str(warning["subject"]).split("->")
    ]
    return min(found, key=lambda warning: int(warning["opened_at"]), default=None)


def _same(one: Mapping[str, object], other: Mapping[str, object]) -> bool:
    """Whether both are the same warning, opened at the same time."""
    keys = ("subject", "metric", "opened_at")
    return all(one[key] == other[key] for key in keys)


def _alert_at(state: Mapping[str, object], service: str) -> int | None:
    alerts = state.get("alerts")
    for alert in alerts if isinstance(alerts, list) else []:
        if (alert["alert"], alert["service"], alert["state"]) == ("HighLatency", service, "firing"):
            return int(alert["at"])
    return None


def _since(state: Mapping[str, object], service: str) -> int:
    faults = state.get("faults")
    for fault in faults if isinstance(faults, list) else []:
        if fault["service"] == service:
            return int(fault["since"])
    message = f"the demo shows no fault of {service}"
    raise RuntimeError(message)


def _wait_for_history(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    """Wait until the demo has sent its history (it steps on once it has)."""
    deadline = time.monotonic() + START_LIMIT_S
    sent = -1
    while time.monotonic() < deadline:
        if process.poll() is not None:
            message = "svcmap demo stopped before it sent its history"
            raise RuntimeError(message)
        try:
            now_sent = int(client.get("/demo/state").json()["spans_sent"])
        except (httpx.TransportError, ValueError):
            now_sent = -1
        if sent > 0 and now_sent > sent:
            return
        sent = max(sent, now_sent)
        time.sleep(POLL_S)
    message = f"svcmap demo sent no history in {START_LIMIT_S} s"
    raise RuntimeError(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.demo_ramp", description=__doc__)
    parser.add_argument("--ramp", default="5ms/min", help="the latency ramp (default 5ms/min)")
    parser.add_argument("--service", default="cart", help="the service broken (default cart)")
    parser.add_argument("--speed", type=float, default=60.0, help="demo seconds per second")
    parser.add_argument("--rate", type=float, default=2.0, help="shop requests per second")
    parser.add_argument("--history", default="1h", help="healthy history sent first")
    parser.add_argument("--after", default="10m", help="demo time followed after the alert")
    parser.add_argument("--limit", default="5h", help="demo time followed after the break")
    return parser


def say(line: str) -> None:
    """Print one line."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
