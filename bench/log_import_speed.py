"""Log import throughput and store size: OTLP JSON logs to per-minute counts in fresh SQLite.

    .venv/bin/python -m bench.log_import_speed [--records N] [--files GLOB] [--db PATH]

Writes (or reuses) N synthetic log records (default 173,000, a day of the development
logs) as OTLP JSON files of about 2,500 records each, one file per minute, over 45
services: Java-style lines with times, trace and span ids, order UUIDs, IPs and numbers,
in about 40 shapes a service, 8% WARN and ERROR. `--files` imports those files instead
(e.g. the OTLP JSON of a converted day). Stages per file: read, `parse_logs`,
`Store.ingest_logs` (dedup by digest, drain3 templates, counts). Then the same files
again, which must count nothing, and the size of the SQLite file.
Targets: at least 50,000 records/s on one core; a day of logs stored in under 20 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import random
import sqlite3
import sys
import time
from pathlib import Path

from bench.summary import figure
from bot.adapters.store import Store, make_engine, upgrade
from topology.parsing.otlp_logs import parse_logs

TARGET_RECORDS_PER_S = 50_000
TARGET_MB = 20
DEFAULT_DIR = Path("/tmp/svcmap-bench/logs")  # noqa: S108 - a scratch directory
DEFAULT_DB = Path("/tmp/svcmap-bench/logs.db")  # noqa: S108 - a scratch file
DEFAULT_RECORDS = 173_000
PER_FILE = 2_500
SERVICES = 45
SHAPES = 40
START_S = 1_674_950_400
CAP = 200

_ACTIONS = ("create", "query", "update", "delete", "pay", "cancel", "rebook", "login")
_WORDS = ("Order", "Route", "Price", "Seat", "Station", "Train", "User", "Ticket")


def _line(rng: random.Random, service: int, shape: int, at_s: float) -> tuple[str, int]:
    """One log line of `shape` in `service`, and its severity number."""
    clock = time.strftime("%H:%M:%S", time.gmtime(at_s)) + f".{rng.randrange(1000):03d}"
    word = _WORDS[(service + shape) % len(_WORDS)]
    action = _ACTIONS[shape % len(_ACTIONS)]
    ids = f"TraceID: {rng.getrandbits(128):032x} SpanID: {rng.getrandbits(64):016x}"
    level, number = ("INFO", 9)
    if shape % 13 == 0:
        level, number = ("ERROR", 17)
    elif shape % 17 == 0:
        level, number = ("WARN", 13)
    uuid = "-".join(f"{rng.getrandbits(bits):0{bits // 4}x}" for bits in (32, 16, 16, 16, 48))
    tails = (
        f"[{action}][{word} {action}d][Success]",
        f"[{action}{word}][orderId: {uuid}, status: {rng.randrange(7)}]",
        f"[{action}] call to 10.{service}.{rng.randrange(256)}.{rng.randrange(256)}:8080 took "
        f"{rng.randrange(900)} ms",
        f"[{action}][{word} not found][id: {rng.randrange(10**6)}]",
    )
    text = f"{clock} {level}  a.s.{word}Service{shape}Impl#{40 + shape} {ids} {tails[shape % 4]}"
    return text, number


def write_day(directory: Path, records: int) -> list[Path]:
    """Write (or reuse) `records` synthetic records as one OTLP JSON file per minute."""
    marker = directory / f"done-{records}"
    paths = sorted(directory.glob("logs-*.json"))
    if marker.exists():
        return paths
    directory.mkdir(parents=True, exist_ok=True)
    for path in paths:
        path.unlink()
    rng = random.Random(13)
    written: list[Path] = []
    for number, first in enumerate(range(0, records, PER_FILE)):
        minute_s = START_S + 60 * number
        by_service: dict[int, list[dict[str, object]]] = {}
        for _ in range(min(PER_FILE, records - first)):
            service, shape = rng.randrange(SERVICES), rng.randrange(SHAPES)
            at_s = minute_s + rng.random() * 60
            text, severity = _line(rng, service, shape, at_s)
            by_service.setdefault(service, []).append(
                {
                    "timeUnixNano": str(int(at_s * 1e9)),
                    "severityNumber": severity,
                    "body": {"stringValue": text},
                }
            )
        document = {
            "resourceLogs": [
                {
                    "resource": {
                        "attributes": [
                            {"key": "service.name", "value": {"stringValue": f"ts-svc-{s:02d}"}}
                        ]
                    },
                    "scopeLogs": [{"logRecords": logs}],
                }
                for s, logs in sorted(by_service.items())
            ]
        }
        path = directory / f"logs-{number:04d}.json"
        path.write_text(json.dumps(document))
        written.append(path)
    marker.touch()
    return written


def fresh_store(path: Path) -> Store:
    """A store in a new SQLite file at `path`, migrated to the latest schema."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Store(engine)


def import_all(store: Store, paths: list[Path]) -> tuple[int, int, dict[str, float], float]:
    """Import every file; the records read and counted, seconds per stage, CPU seconds."""
    stages = {"read": 0.0, "parse": 0.0, "store": 0.0}
    read = counted = 0
    cpu = time.process_time()
    for path in paths:
        started = time.perf_counter()
        data = path.read_bytes()
        parsed_at = time.perf_counter()
        export = parse_logs(data, source=str(path), now_s=START_S)
        stored_at = time.perf_counter()
        done = store.ingest_logs(export.records, cap=CAP)
        ended = time.perf_counter()
        stages["read"] += parsed_at - started
        stages["parse"] += stored_at - parsed_at
        stages["store"] += ended - stored_at
        read += len(export.records)
        counted += done.records
    return read, counted, stages, time.process_time() - cpu


def report(label: str, records: int, stages: dict[str, float], cpu_s: float) -> float:
    """Print one pass's throughput and stages; return its records per second."""
    total = sum(stages.values())
    rate = records / total if total else 0.0
    cpu_rate = records / cpu_s if cpu_s else 0.0
    missed = "" if max(rate, cpu_rate) >= TARGET_RECORDS_PER_S else "  TARGET MISSED"
    shown = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items())
    print(
        f"{label}: {records:,} records in {total:.2f} s = {rate:,.0f} records/s "
        f"(CPU {cpu_s:.2f} s = {cpu_rate:,.0f} records/s of CPU){missed}\n    {shown}"
    )
    figure(f"log import: {label}", max(rate, cpu_rate), "records/s", ">=", TARGET_RECORDS_PER_S)
    return rate


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(prog="bench.log_import_speed")
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--files", metavar="GLOB", help="import these OTLP JSON logs files")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    args = parser.parse_args(argv)
    if args.files:
        paths = sorted(Path(name) for name in glob.glob(args.files))  # noqa: PTH207 - a shell pattern, any directory
        if not paths:
            print(f"no files match {args.files}", file=sys.stderr)
            return 1
    else:
        paths = write_day(DEFAULT_DIR, args.records)
    store = fresh_store(args.db)
    read, counted, stages, cpu_s = import_all(store, paths)
    report(f"import of {len(paths)} files", read, stages, cpu_s)
    again, recounted, stages, cpu_s = import_all(store, paths)
    report("the same files again", again, stages, cpu_s)
    if recounted:
        print(f"  the second import counted {recounted:,} records: TARGET MISSED")
    with contextlib.closing(sqlite3.connect(args.db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file
    store_mb = args.db.stat().st_size / 1e6
    missed = "" if store_mb < TARGET_MB else "  TARGET MISSED"
    print(f"store: {counted:,} records counted, {store_mb:.1f} MB ({args.db}){missed}")
    figure("log import: store size", store_mb, "MB", "<=", TARGET_MB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
