"""The early warning pass over a large map: 5,000 services, each with its edges.

    .venv/bin/python -m bench.warnings [--services N] [--repeat R] [--keep FILE]

Stores, in a fresh SQLite file, the last hour of minute buckets of every service and
edge (each service called by up to two services numbered before it), the same hour of
yesterday as minutes and the same hour of the five days before as hour buckets (as the
default retention leaves them); a few services deep in the map slow down over the hour.
Times `warn_once` (read, decide, keep; no posting) and prints the median and worst wall
and CPU time (the machine may be shared: CPU time moves less with its load), then runs
one more pass under tracemalloc (which slows allocation, so that pass is not timed) for
its peak of Python allocations, and the process's peak resident memory. Target: a pass
under 10 s on 5,000 services.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import insert

from bench.summary import figure
from bot.adapters.store import make_engine, upgrade
from bot.adapters.store.early_warnings import WarningLog
from bot.adapters.store.rows import edge_row, service_row
from bot.adapters.store.schema import edge_buckets, edge_hours, service_buckets, service_hours
from bot.adapters.store.slices import SliceReader
from bot.usecases.early_warnings import warn_once
from topology.retention import DAY, HOUR
from topology.stats import EdgeStats, ServiceStats

SCRATCH = Path("/tmp/svcmap-bench")  # noqa: S108 - a scratch folder
NOW = 1_790_000_040 - 1_790_000_040 % HOUR
TARGET_S = 10.0


def _stats(rng: random.Random, base: float, calls: int) -> tuple[int, int, list[float]]:
    return calls, rng.randint(0, 1), [rng.gauss(base, base / 10) for _ in range(10)]


def fill(store_url: str, services: int, rng: random.Random) -> None:
    """Write the map's buckets straight into the tables."""
    names = [f"svc-{i:05d}" for i in range(services)]
    edges = [
        (names[parent], names[child])
        for child in range(1, services)
        for parent in rng.sample(range(child), min(child, 2))
    ]
    slow = set(rng.sample(names[services // 2 :], 5))
    engine = make_engine(store_url)
    upgrade(engine)

    def minute_rows(
        start: int, *, ramp: bool
    ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        step = (start - (NOW - HOUR)) // 60 if ramp else 0
        edge_rows, service_rows = [], []
        for parent, child in edges:
            base = 40 + (2 * step if child in slow else 0)
            calls, errors, latencies = _stats(rng, base, rng.randint(80, 120))
            stats = EdgeStats(parent, child, calls=calls, errors=errors)
            for value in latencies:
                stats.latency.add(value)
            edge_rows.append(edge_row(stats, 60, start))
        for name in names:
            base = 30 + (2 * step if name in slow else 0)
            calls, errors, latencies = _stats(rng, base, rng.randint(80, 120))
            served = ServiceStats(name, calls, errors)
            for value in latencies:
                served.latency.add(value)
            service_rows.append(service_row(served, 60, start))
        return edge_rows, service_rows

    with engine.begin() as connection:
        for day, ramp in ((0, True), (1, False)):
            for minute in range(60):
                edge_rows, service_rows = minute_rows(
                    NOW - day * DAY - HOUR + minute * 60, ramp=ramp
                )
                connection.execute(insert(edge_buckets), edge_rows)
                connection.execute(insert(service_buckets), service_rows)
        for day in range(2, 7):
            edge_rows, service_rows = minute_rows(NOW - day * DAY - HOUR, ramp=False)
            for row in (*edge_rows, *service_rows):
                del row["resolution"]
            connection.execute(insert(edge_hours), edge_rows)
            connection.execute(insert(service_hours), service_rows)
    engine.dispose()


def main() -> None:
    """Fill a store, then time passes over it."""
    parser = argparse.ArgumentParser(prog="python -m bench.warnings")
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="a store file kept: filled if missing")
    args = parser.parse_args()
    SCRATCH.mkdir(exist_ok=True)
    path = args.keep or SCRATCH / f"warnings-{os.getpid()}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        started = time.perf_counter()
        fill(url, args.services, random.Random(17))
        print(f"filled in {time.perf_counter() - started:.1f} s")
    engine = make_engine(url)
    slices, log = SliceReader(engine), WarningLog(engine)
    times, cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = warn_once(slices, log, None, now=NOW)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        print(
            f"pass: {times[-1]:.2f} s ({cpu[-1]:.2f} s CPU), "
            f"{report.readings} series, {report.open} open"
        )
    tracemalloc.start()
    warn_once(slices, log, None, now=NOW)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s")
    print(f"CPU median {statistics.median(cpu):.2f} s, worst {max(cpu):.2f} s")
    print(f"peak traced {peak:.0f} MB (one more pass, tracemalloc on), peak RSS {rss:.0f} MB")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    figure("warning pass, 5,000 services (median)", statistics.median(times), "s", "<=", TARGET_S)
    figure("warning pass, 5,000 services (median CPU)", statistics.median(cpu), "s", "<=", TARGET_S)
    engine.dispose()
    if args.keep is None:
        path.unlink()


if __name__ == "__main__":
    main()
