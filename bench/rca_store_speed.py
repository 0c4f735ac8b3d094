"""`svcmap rca` end to end on a store of a large map: 5,000 services, 75 minutes of minutes.

    .venv/bin/python -m bench.rca_store_speed [--services N] [--history HOURS] [--reuse]

Builds a fresh SQLite store through `Store.ingest`, a minute at a time: every service is
called by up to two services numbered before it, one call a minute on each edge, and the
callee serves it; three services deep in the map are slow and failing in the last 15
minutes. Then runs `svcmap rca SYMPTOM --at <end> --window 15m --baseline 1h --json`, each
a process of its own, at three symptoms: the root (every service downstream of it, the
most a question can read), one in the middle of the map and one deep in it, each once to
warm up and twice timed, and prints the least wall time, CPU time and peak RSS of each.
The root's answer must name the slowed services first. `--history HOURS` also keeps that
many hours of minutes before them (the 75 minutes copied back, quiet, as often as it
takes), as a store does that keeps its minutes for two days (`SVCMAP_RETAIN_MINUTES`):
what a question does not ask about must cost it little. `--reuse` keeps a store already
built for the same services and history. The store is built by a process of its own.
`--url URL` copies the store's nodes and minutes into the database at `URL` (a Postgres
one, as a large fleet keeps: `postgresql+psycopg://postgres@127.0.0.1:5432/bench`), its
tables emptied first, and asks there; `--reuse` with it keeps what was copied there.
Target: each answer within 3 s, the time an alert takes to page (`bench.alert_speed`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from bench.summary import figure
from bot.adapters.store import Store, make_engine, upgrade
from bot.adapters.store.schema import edge_buckets, nodes, service_buckets
from topology.model import Call, Served

SCRATCH = Path("/tmp/svcmap-bench")  # noqa: S108 - a scratch folder
SVCMAP = Path(sys.executable).with_name("svcmap")
NOW = 1_790_000_040
MINUTES = 75
FAILING_FROM = MINUTES - 15
SLOWED = 3
TARGET_S = 3.0
QUESTION = ("--at", str(NOW), "--window", "15m", "--baseline", "1h", "--json")


@dataclass(frozen=True, slots=True)
class Run:
    """One `svcmap rca` process: its wall and CPU seconds, peak RSS and answer."""

    wall: float
    cpu: float
    rss_mb: float
    answer: dict[str, object]


def names(services: int) -> list[str]:
    """Service names, the root first."""
    return [f"svc-{i:04d}" for i in range(services)]


def build(database: Path, services: int, history_h: int = 0) -> None:
    """Fill a fresh store at `database`; the names of the slowed services kept beside it.

    With `history_h` hours of minutes before the window asked about (`add_history`).
    """
    for leftover in database.parent.glob(f"{database.name}*"):
        leftover.unlink()
    rng = random.Random(3)
    every = names(services)
    edges = [(p, c) for c in range(1, services) for p in rng.sample(range(c), min(c, 2))]
    slowed = set(rng.sample(range(services // 2, services), SLOWED))
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    store = Store(engine)
    first = NOW - NOW % 60 - MINUTES * 60
    started = time.perf_counter()
    for minute in range(MINUTES):
        calls, served = [], []
        for parent, child in edges:
            bad = child in slowed and minute >= FAILING_FROM
            server_us = int(rng.gauss(900_000 if bad else 40_000, 2_000))
            start_us = (first + minute * 60) * 1_000_000 + rng.randrange(59_000_000)
            failed = bad and rng.random() < 0.5
            key = f"{minute}-{parent}-{child}"
            calls.append(
                Call(
                    every[parent],
                    every[child],
                    key,
                    start_us,
                    failed,
                    server_us=server_us,
                    client_us=server_us + 3_000,
                    parent_local=True,
                    child_local=True,
                )
            )
            served.append(Served(every[child], f"{key}-s", start_us, failed, server_us))
        store.ingest(calls, served, now_s=NOW, source="bench", spans=2 * len(calls))
    engine.dispose()
    add_history(database, first, history_h)
    took = time.perf_counter() - started
    before = f" and {history_h} h of minutes before" if history_h else ""
    print(
        f"store: {services:,} services, {len(edges):,} edges, {MINUTES} minutes{before},"
        f" {database.stat().st_size / 1e6:.0f} MB, built in {took:.0f} s"
    )
    found = sorted(every[i] for i in slowed)
    database.with_name(f"{database.name}.slowed").write_text(json.dumps(found))


def add_history(database: Path, first: int, hours: int) -> None:
    """Copy the quiet minutes before the failures back in time to fill `hours` before `first`."""
    quiet = FAILING_FROM * 60
    with sqlite3.connect(database) as connection:
        for table in ("edge_buckets", "service_buckets"):
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for back in range(quiet, hours * 3600 + quiet, quiet):
                moved = ", ".join(f"start - {back}" if c == "start" else c for c in columns)
                connection.execute(
                    f"INSERT INTO {table} SELECT {moved} FROM {table}"  # noqa: S608 - the schema's names
                    " WHERE start >= ? AND start < ? AND start - ? >= ?",
                    (first, first + quiet, back, first - hours * 3600),
                )


COPIED: tuple[Table, ...] = (nodes, service_buckets, edge_buckets)
"""What `rca` reads of the store built, in the order copied."""
COPY_ROWS = 20_000


def copy_store(database: Path, url: str) -> None:
    """Copy the store at `database` into the (migrated, emptied) database at `url`."""
    source, target = make_engine(f"sqlite:///{database}"), make_engine(url)
    upgrade(target)
    started = time.perf_counter()
    with source.connect() as reading, target.begin() as writing:
        for table in reversed(COPIED):
            writing.execute(delete(table))
        for table in COPIED:
            rows = reading.execute(select(table)).mappings()
            while batch := rows.fetchmany(COPY_ROWS):
                writing.execute(insert(table), [dict(row) for row in batch])
    if target.dialect.name == "postgresql":
        with target.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    source.dispose()
    target.dispose()
    took = time.perf_counter() - started
    print(f"store copied to {target.url.render_as_string(hide_password=True)} in {took:.0f} s")


def _holds(url: str, services: int) -> bool:
    """Whether the database at `url` holds a copied store of `services` services."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(nodes)).scalar() == services
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def ask(url: str, symptom: str) -> Run:
    """Run `svcmap rca SYMPTOM` once on the store at `url`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = url
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(SVCMAP), "rca", symptom, *QUESTION], env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)  # this child's own CPU time and peak RSS
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"svcmap rca {symptom}: {err.read().decode(errors='replace')}")
        answer = json.loads(out.read())
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, answer)


def main() -> None:
    """Build (or reuse) the store, then time `svcmap rca` at three depths."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--history", type=int, default=0, help="hours of minutes before")
    parser.add_argument("--reuse", action="store_true", help="keep a store already built")
    parser.add_argument("--build", action="store_true", help="only build the store")
    parser.add_argument("--url", help="copy the store into this database and ask there")
    args = parser.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    history = f"-{args.history}h" if args.history else ""
    database = SCRATCH / f"rca-store-{args.services}{history}.db"
    kept = database.with_name(f"{database.name}.slowed")
    if args.build:
        build(database, args.services, args.history)
        return
    built = args.reuse and database.is_file() and kept.is_file()
    if not built:
        # Built by a process of its own: this one stays small, and a child's peak RSS
        # starts from its parent's at the fork.
        command = [sys.executable, "-m", "bench.rca_store_speed", "--build"]
        sizes = ["--services", str(args.services), "--history", str(args.history)]
        subprocess.run([*command, *sizes], check=True)
    url = args.url or f"sqlite:///{database}"
    if args.url and not (built and _holds(args.url, args.services)):
        copy_store(database, args.url)
    where = f" ({make_engine(url).dialect.name})" if args.url else ""
    slowed = json.loads(kept.read_text())
    every = names(args.services)
    symptoms = {"root": every[0], "mid-map": every[100], "deep": every[args.services // 2]}
    for depth, symptom in symptoms.items():
        ask(url, symptom)  # warm: the file in the page cache, the bytecode written
        runs = [ask(url, symptom) for _ in range(2)]
        best = min(runs, key=lambda run: run.wall)
        ranking = best.answer.get("ranking")
        named = [item["service"] for item in ranking] if isinstance(ranking, list) else []
        examined = best.answer.get("examined")
        print(
            f"rca {depth:7} ({symptom}, {examined} candidates): wall {best.wall:5.2f} s,"
            f" CPU {best.cpu:5.2f} s, peak RSS {max(r.rss_mb for r in runs):5.0f} MB"
        )
        if depth == "root" and sorted(named[:SLOWED]) != slowed:
            raise SystemExit(f"the root's answer names {named[:SLOWED]}, not {slowed}")
        with_history = f", {args.history} h of minutes before" if args.history else ""
        label = f"rca from the store{where}: {depth} symptom{with_history}, wall"
        figure(label, best.wall, "s", "<=", TARGET_S)


if __name__ == "__main__":
    main()
