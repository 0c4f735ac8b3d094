"""Replicas on one Postgres: OTLP/HTTP spans/s taken by one `svcmap serve`, then by two.

    .venv/bin/python -m bench.replicas_speed [--db URL] [--batches N] [--spans-per-batch N]
        [--senders N]

Starts `svcmap serve` processes (the installed command) on a fresh schema of the Postgres
at URL (default: SVCMAP_TEST_POSTGRES_URL, else postgres@127.0.0.1:5432/test), and posts
N protobuf exports (default 60 x 1,000 spans: whole traces of client/server pairs across
50 services, as bench.otlp_speed makes them) from `--senders` threads per replica (4). With
two replicas each export goes to one of them, as the Collector's loadbalancing exporter
routes whole traces (routing_key: traceID). Each round then checks that the calls stored
equal the calls sent (none counted twice, none lost) and that an export sent again to the
other replica adds nothing. Prints spans/s for one and for two replicas; everything here
(replicas, senders and Postgres) shares this machine's cores.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateSchema, DropSchema

from bench.otlp_speed import HOPS, export
from bot.adapters.store.repository import Store

SVCMAP = Path(sys.executable).with_name("svcmap")
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HEADERS = {"Content-Type": "application/x-protobuf"}


@contextmanager
def fresh_schema(base: str) -> Iterator[str]:
    """A URL of an empty schema in the Postgres at `base`; dropped after."""
    schema = f"svcmap_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(CreateSchema(schema))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(DropSchema(schema, cascade=True, if_exists=True))
        admin.dispose()


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now."""
    import socket  # noqa: PLC0415 - only here

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process `pid` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def replicas(url: str, count: int) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """`count` `svcmap serve` processes on the store at `url`, once ready, with their base URLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = url
    subprocess.run([str(SVCMAP), "migrate"], env=env, check=True, capture_output=True)
    processes: list[subprocess.Popen[bytes]] = []
    bases = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            for _ in range(count):
                port = free_port()
                processes.append(
                    subprocess.Popen(
                        [str(SVCMAP), "serve", "--host", "127.0.0.1", "--port", str(port)],
                        env={**env, "HOME": scratch},
                        cwd=scratch,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                bases.append(f"http://127.0.0.1:{port}")
            for base, process in zip(bases, processes, strict=True):
                wait_until_ready(base, process)
            yield list(zip(bases, processes, strict=True))
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def wait_until_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    """Return once `base` answers /readyz; fail when the process ends or 30 s pass."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"svcmap serve at {base} exited ({process.returncode})")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"svcmap serve at {base} was not ready in 30 s")


def post_all(bases: list[str], bodies: list[bytes], senders: int) -> float:
    """Post export i to replica i mod len(bases) from `senders` threads each; the seconds taken."""

    def send(share: list[bytes], base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            for body in share:
                answer = client.post("/v1/traces", content=body, headers=HEADERS)
                if answer.status_code != 200:
                    raise SystemExit(f"export refused by {base}: {answer.status_code}")

    jobs = []
    for index, base in enumerate(bases):
        mine = bodies[index :: len(bases)]
        jobs += [(mine[sender::senders], base) for sender in range(senders)]
    started = time.perf_counter()
    with ThreadPoolExecutor(len(jobs)) as pool:
        list(pool.map(lambda job: send(*job), jobs))
    return time.perf_counter() - started


def stored_calls(url: str) -> int:
    """Calls stored in the store at `url`, every edge and bucket summed."""
    engine = create_engine(url)
    try:
        return sum(edge.calls for edge in Store(engine).edges())
    finally:
        engine.dispose()


def one_round(base_url: str, count: int, bodies: list[bytes], args: argparse.Namespace) -> float:
    """Spans/s of `count` replicas on a fresh schema; prints what was stored and resent."""
    spans: int = len(bodies) * (args.spans_per_batch // (2 * HOPS)) * 2 * HOPS
    sent_calls = spans // 2
    with fresh_schema(base_url) as url, replicas(url, count) as running:
        bases = [base for base, _ in running]
        processes = [process for _, process in running]
        before = sum(cpu_seconds(process.pid) for process in processes)
        seconds = post_all(bases, bodies, args.senders)
        cpu = sum(cpu_seconds(process.pid) for process in processes) - before
        calls = stored_calls(url)
        httpx.post(f"{bases[-1]}/v1/traces", content=bodies[0], headers=HEADERS, timeout=60)
        again = stored_calls(url) - calls
    rate = spans / seconds
    counted = "each call once" if calls == sent_calls else f"MISCOUNTED: {calls - sent_calls:+,}"
    resent = "nothing added" if again == 0 else f"ADDED {again} calls"
    print(f"  {count} replica(s): {spans:,} spans in {seconds:.2f} s: {rate:,.0f} spans/s")
    print(f"    replicas' CPU {cpu:.1f} s: {spans / cpu:,.0f} spans per CPU-second")
    print(f"    calls sent {sent_calls:,}, stored {calls:,}: {counted}")
    print(f"    the first export sent again to replica {count}: {resent}")
    return rate


def main() -> None:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SVCMAP_TEST_POSTGRES_URL", DEFAULT_URL)
    parser.add_argument("--db", default=default, help="a Postgres URL (a schema is made in it)")
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--spans-per-batch", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=4, help="sending threads per replica")
    args = parser.parse_args()
    rng = random.Random(7)
    bodies = [export(rng, args.spans_per_batch) for _ in range(args.batches)]
    print(
        f"OTLP protobuf exports to svcmap serve on Postgres: {args.batches} x "
        f"{args.spans_per_batch} spans, {args.senders} senders per replica, "
        f"{os.cpu_count()} CPUs shared by all"
    )
    one = one_round(args.db, 1, bodies, args)
    two = one_round(args.db, 2, bodies, args)
    print(f"  two replicas take {two / one:.2f}x what one takes")


if __name__ == "__main__":
    main()
