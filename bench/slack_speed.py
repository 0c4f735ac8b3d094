"""Slack answer speed: `/svcmap` against `svcmap serve` over a 5,000-service map.

    .venv/bin/python -m bench.slack_speed [--services N] [--edges M] [--rounds R]
        [--answer-processes P]

Builds the map of `bench.query_speed` into a scratch SQLite file, starts `svcmap serve`
(uvicorn, Slack on, answering into a local fake Slack Web API), then measures:

- acks: rounds of 50 signed commands sent at once; the time from sending each to its
  HTTP 200 (Slack's ack). Target p99 < 200 ms.
- answers: commands sent one at a time whose pictures draw 60-node neighbourhoods; the
  time from sending to the text answer (chat.postMessage) and to the picture shared
  (files.completeUploadExternal). Target < 1.5 s with the picture; no text answer ever
  later than 5 s. Questions are answered by the server's worker processes (two, the
  default), which read the map of now ahead of questions (at start and after each refresh
  pass) and keep it for a minute, so answers do not wait for the store.
- memory: the resident size of the server and of its child processes (the workers), and
  their sum. Target <= 600 MB in all.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.memory import children, pss_mb, rss_mb
from bench.query_speed import ROOT, build, verdict
from bench.summary import figure
from tests.e2e.conftest import start_serve
from tests.slack.fake_api import FakeSlack
from tests.slack.requests import SECRET, command_body, signed

SCRATCH = Path("/tmp/svcmap-bench")  # noqa: S108 - a scratch directory
IN_FLIGHT = 50
TARGET_ACK_MS, TARGET_ANSWER_S, LONGEST_S = 200.0, 1.5, 5.0
TARGET_MEMORY_MB = 600.0


def start_server(
    db: Path, fake: FakeSlack, answer_processes: int
) -> tuple[subprocess.Popen[bytes], str]:
    """`svcmap serve` over `db` with Slack answering into `fake`; waits until healthy."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env.update(
        SVCMAP_DATABASE_URL=f"sqlite:///{db}",
        SVCMAP_SLACK_BOT_TOKEN="xoxb-bench",  # noqa: S106 - a benchmark value
        SVCMAP_SLACK_SIGNING_SECRET=SECRET,
        SVCMAP_SLACK_API_URL=fake.api_url,
        SVCMAP_REFRESH_INTERVAL="1h",
        SVCMAP_SLACK_ANSWER_PROCESSES=str(answer_processes),
    )
    try:
        return start_serve(env, ROOT, timeout_s=60)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None


def send(client: httpx.Client, base: str, text: str, hook: str) -> float:
    """Send one signed command; the seconds until its ack."""
    body = command_body(text, response_url=hook)
    started = time.perf_counter()
    answer = client.post(f"{base}/slack/events", content=body, headers=signed(body))
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise SystemExit(f"command {text!r} answered {answer.status_code}")
    return elapsed


def acks(base: str, fake: FakeSlack, names: list[str], rounds: int) -> None:
    """Rounds of 50 commands at once; print the ack latency figures."""
    rng = random.Random(5)
    times: list[float] = []
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(IN_FLIGHT) as pool:
        for number in range(1, rounds + 1):
            texts = [f"blast {rng.choice(names)}" for _ in range(IN_FLIGHT)]
            hook = fake.response_url()
            took = list(pool.map(lambda text, hook=hook: send(client, base, text, hook), texts))
            times += took
            fake.wait_for("chat.postMessage", number * IN_FLIGHT, timeout=300)
            print(f"  round {number}: slowest ack {max(took) * 1000:.1f} ms")
    later = sorted(t * 1000 for t in times[IN_FLIGHT:])
    if later:
        print(
            f"ack after the first round (connections open): p99 "
            f"{statistics.quantiles(later, n=100)[98]:.1f} ms, max {later[-1]:.1f} ms"
        )
    ms = sorted(t * 1000 for t in times)
    p99 = statistics.quantiles(ms, n=100)[98]
    print(
        f"ack: {len(ms)} commands, {IN_FLIGHT} in flight: median {statistics.median(ms):.1f} ms, "
        f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms (target p99 < {TARGET_ACK_MS:.0f} ms)"
        f"{verdict(p99, TARGET_ACK_MS)}"
    )
    figure("slack: ack p99", p99, "ms", "<=", TARGET_ACK_MS)


def answers(base: str, fake: FakeSlack, texts: list[str]) -> None:
    """Commands one at a time; print the time to the text answer and to the picture."""
    texts_s: list[float] = []
    pictures_s: list[float] = []
    with httpx.Client(timeout=30) as client:
        for number, text in enumerate(texts, start=1):
            started = time.perf_counter()
            send(client, base, text, fake.response_url())
            fake.wait_for("chat.postMessage", number, timeout=60)
            texts_s.append(time.perf_counter() - started)
            fake.wait_for("files.completeUploadExternal", number, timeout=60)
            pictures_s.append(time.perf_counter() - started)
            label = "first" if number == 1 else "then"
            print(f"  {label} {text}: text {texts_s[-1]:.2f} s, picture {pictures_s[-1]:.2f} s")
    warm = pictures_s[1:]
    print(
        f"answer with picture (60-node neighbourhood): first {pictures_s[0]:.2f} s, then median "
        f"{statistics.median(warm):.2f} s, max {max(warm):.2f} s "
        f"(target < {TARGET_ANSWER_S} s){verdict(max(warm), TARGET_ANSWER_S)}"
    )
    figure("slack: answer with picture, max", max(warm), "s", "<=", TARGET_ANSWER_S)
    print(
        f"longest wait for the text answer: {max(texts_s):.2f} s (never over {LONGEST_S:.0f} s)"
        f"{verdict(max(texts_s), LONGEST_S)}"
    )


def memory(pid: int) -> None:
    """Print the resident memory of the server and of its answer workers (its children).

    The total adds up each process's RSS, so pages they share are counted in each
    (an upper bound); PSS splits them between the processes sharing them.
    """
    processes = [pid, *children(pid)]
    rss = [rss_mb(process) for process in processes]
    pss = sum(pss_mb(process) for process in processes)
    workers = ", ".join(f"{size:.0f}" for size in rss[1:])
    print(
        f"memory: server {rss[0]:.0f} MB, its child processes [{workers}] MB; "
        f"in all {sum(rss):.0f} MB RSS, {pss:.0f} MB PSS "
        f"(target RSS in all <= {TARGET_MEMORY_MB:.0f} MB){verdict(sum(rss), TARGET_MEMORY_MB)}"
    )
    figure(
        f"slack: serve and its {len(processes) - 1} child processes, RSS in all",
        sum(rss),
        "MB",
        "<=",
        TARGET_MEMORY_MB,
    )


def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--acks-only", action="store_true", help="skip the answer figures")
    parser.add_argument(
        "--answer-processes",
        type=int,
        default=2,
        help="the server's answer worker processes (0: answer in its own threads)",
    )
    args = parser.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    db = SCRATCH / "slack.db"
    build(db, args.services, args.edges)
    fake = FakeSlack()
    server, base = start_server(db, fake, args.answer_processes)
    time.sleep(5)  # the server's first pass reads the map of now, as it does every interval
    try:
        rng = random.Random(3)
        services = [f"svc-{i:04d}" for i in range(0, args.services - 300, 7)]
        texts = [f"deps {name} --depth 2" for name in rng.sample(services, 6)]
        texts += [f"blast {name}" for name in rng.sample(services, 6)]
        if not args.acks_only:
            answers(base, fake, texts)
            fake.calls.clear()
        acks(base, fake, services, args.rounds)
        memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=15)
        fake.close()
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
