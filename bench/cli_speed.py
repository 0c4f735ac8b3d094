"""CLI answer speed: `svcmap` questions, each a new process, on the demo's store.

    .venv/bin/python -m bench.cli_speed [--runs N] [--fill SECONDS] [--reuse] [--imports]

Builds the store as the demo does: `svcmap demo --speed 20` (20 services, 30 minutes of
healthy history, then live traffic) into a fresh SQLite file for `--fill` seconds, stopped
with SIGTERM; its ownership catalog is passed to the questions, and `rca` is asked at the
demo's clock when it stopped. Then runs each question with the installed
`.venv/bin/svcmap` once to warm up and N times timed, and prints the median and max wall
time and the median CPU time (user + system) of the process.
Target: each question's median wall time <= 300 ms.

The questions run with their bytecode cached (in the scratch folder, whatever
PYTHONDONTWRITEBYTECODE says), as on any installed svcmap after its first run.
`--reuse` skips building the store when the scratch store is there. `--imports` then
runs the first question N times under `python -X importtime` and prints where its
imports spend their time: per package, the sum of each module's own import time (the
least of the runs, the figure least disturbed by other work on the machine).
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.query_speed import verdict
from bench.summary import figure
from bot.demo.shop import CATALOG_FILE

SCRATCH = Path("/tmp/svcmap-bench")  # noqa: S108 - a scratch folder
SVCMAP = Path(sys.executable).with_name("svcmap")
TARGET_MS = 300.0
QUESTIONS = (
    "deps checkout",
    "blast payment",
    "path frontend postgres",
    "edges",
    "rca checkout --window 5m --baseline 30m --at {end}",
    "incidents",
)


def environment(database: Path) -> dict[str, str]:
    """The questions' environment: the demo's store and catalog, bytecode cached in scratch."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        SVCMAP_DATABASE_URL=f"sqlite:///{database}",
        SVCMAP_CATALOG_FILE=str(CATALOG_FILE),
        PYTHONPYCACHEPREFIX=str(SCRATCH / "pycache"),
        HOME=str(SCRATCH),
    )
    return env


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fill(database: Path, env: dict[str, str], seconds: float) -> None:
    """Run `svcmap demo --speed 20` on a fresh `database` for `seconds` after its history.

    The demo's clock when it stops is kept beside the store: the end of what it holds.
    """
    for leftover in database.parent.glob(f"{database.name}*"):
        leftover.unlink()
    port = free_port()
    started = time.perf_counter()
    demo = subprocess.Popen(
        [str(SVCMAP), "demo", "--port", str(port), "--speed", "20"],
        env=env,
        cwd=SCRATCH,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/demo/state"
        wait_for_history(demo, url)
        time.sleep(seconds)
        state = httpx.get(url, timeout=10).json()
        end_of(database).write_text(str(state["now"]))
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
    took = time.perf_counter() - started
    print(f"demo store: {state['spans_sent']:,} spans (30 minutes, then {seconds:.0f} s live),")
    print(f"            {database.stat().st_size / 1e6:.1f} MB, built in {took:.0f} s")


def end_of(database: Path) -> Path:
    """Where the demo's clock at its stop is kept for `database`."""
    return database.with_name(f"{database.name}.end")


def wait_for_history(demo: subprocess.Popen[bytes], url: str) -> None:
    """Wait until the demo has sent its history (it starts live traffic then)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            raise SystemExit(f"svcmap demo exited with {demo.returncode}")
        try:
            state: dict[str, int] = httpx.get(url, timeout=2).json()
        except (httpx.TransportError, ValueError):
            state = {}
        if state.get("spans_sent", 0) > 0:
            return
        time.sleep(0.2)
    raise SystemExit("svcmap demo sent no history in 120 s")


def ask(question: str, env: dict[str, str]) -> tuple[float, float]:
    """Run `svcmap QUESTION` once; its wall time and CPU time in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(SVCMAP), *question.split()],
        env=env,
        cwd=SCRATCH,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"svcmap {question} failed: {done.stderr.decode(errors='replace')}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def import_times(question: str, env: dict[str, str], runs: int) -> dict[str, float]:
    """Per module, its own import time in ms when `svcmap QUESTION` runs: the least of `runs`."""
    least: dict[str, float] = {}
    command = [sys.executable, "-X", "importtime", "-m", "bot.cli.main", *question.split()]
    for _ in range(runs):
        done = subprocess.run(
            command, env=env, cwd=SCRATCH, capture_output=True, text=True, check=True
        )
        for line in done.stderr.splitlines():
            fields = line.removeprefix("import time:").split("|")
            if len(fields) != 3 or not fields[0].strip().isdigit():
                continue
            module, own = fields[2].strip(), int(fields[0]) / 1000
            least[module] = min(least.get(module, own), own)
    return least


def package_of(module: str) -> str:
    """Where an import's time is counted: its top package, or svcmap's own subpackage."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in ("bot", "topology") else parts[0]


def print_import_times(question: str, env: dict[str, str], runs: int) -> None:
    """Print the import time of `question` per package, largest first."""
    least = import_times(question, env, runs)
    packages: collections.defaultdict[str, float] = collections.defaultdict(float)
    for module, own in least.items():
        packages[package_of(module)] += own
    print(f"\nimports of `svcmap {question}`: {sum(least.values()):.0f} ms in {len(least)} modules")
    for package, own in sorted(packages.items(), key=lambda item: -item[1])[:15]:
        print(f"  {package:<28} {own:6.1f} ms")


def main() -> None:
    """Build the demo's store, then time each question as a new process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per question")
    parser.add_argument("--fill", type=float, default=20.0, help="seconds of live demo traffic")
    parser.add_argument("--reuse", action="store_true", help="reuse the scratch store")
    parser.add_argument("--imports", action="store_true", help="import times per package")
    args = parser.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    database = SCRATCH / "cli-demo.db"
    env = environment(database)
    if not (args.reuse and database.exists() and end_of(database).exists()):
        fill(database, env, args.fill)
    print(f"{'question':<46} {'median':>8} {'max':>8} {'cpu':>8}  (ms, {args.runs} runs)")
    end = end_of(database).read_text()
    for shown in QUESTIONS:
        question = shown.format(end=end)
        ask(question, env)
        walls, cpus = zip(*(ask(question, env) for _ in range(args.runs)), strict=True)
        median, worst = statistics.median(walls) * 1000, max(walls) * 1000
        cpu = statistics.median(cpus) * 1000
        print(
            f"{shown.format(end='END'):<46} {median:8.0f} {worst:8.0f} {cpu:8.0f}"
            f"  (target <= {TARGET_MS:.0f}){verdict(median, TARGET_MS)}"
        )
        figure(f"cli: {shown.format(end='END')}, median", median, "ms", "<=", TARGET_MS)
    if args.imports:
        print_import_times(QUESTIONS[0], env, args.runs)


if __name__ == "__main__":
    main()
