"""End-to-end import throughput and memory: Jaeger JSON to per-minute rows in a fresh SQLite store.

    .venv/bin/python -m bench.import_speed [--spans N] [--traces PATH] [--db PATH]
    .venv/bin/python -m bench.import_speed --huge [--sizes-gb 1,2,5] [--format otlp]

The file is imported as `svcmap import` imports a large Jaeger file (`stream_linked`):
read trace by trace (`piece_batches`), linked straight from the decoded traces
(`link_traces`, with the CLI's defaults: the import window, the default redaction,
non-strict trace ids) and stored by `Store.ingest_batches`, batch by batch in one
transaction; then again, which must add nothing. Parse (the typed decode), link and
ingest are timed apart, and set against a bare typed msgspec decode of the same bytes
(the fields the import reads, garbage collector paused). Then `svcmap import` itself
imports the file into a fresh store in a process of its own (its start, the caps on new
names and all), timed by that process's CPU time; and so is `svcmap import` of the same
spans written as OTLP JSON Lines (a Collector's file export, traces split between
resources, so parked on disk by trace before they are linked), whose stored rows must hash
to `EXPECTED_OTLP_DIGEST`.
Targets: at least 300,000 spans/s end to end on one core, and a peak RSS of at most
twice the file's size. The rows the first import stores (buckets, nodes, traces remembered)
are hashed; for the default file the hash must be `EXPECTED_DIGEST`, so a faster import
gives the very same answers.

`--huge` writes files of the given sizes (about 2.7 million spans per GB), imports each
in a process of its own, reports that process's peak RSS against the file's size, and
deletes the file: the RSS must stay flat as the size grows. With `--format otlp` the files
are OTLP JSON Lines (about 4 million spans per GB), whose traces lie in many resources,
imported by `svcmap import` itself: spans parked on disk by trace, then linked.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from sqlalchemy import Table, select

from bench.generate_traces import DEFAULT_PATH, DEFAULT_SEED, DEFAULT_SPANS, ensure, generate
from bench.summary import figure
from bot.adapters.store import IngestResult, Store, make_engine, upgrade
from bot.adapters.store.schema import edge_buckets, nodes, seen_traces, service_buckets
from topology.gcpause import paused_gc
from topology.jaeger_links import link_traces
from topology.model import Call, Served
from topology.parsing import document, piece_batches
from topology.parsing.jaeger import JaegerTrace
from topology.preparing import Preparation
from topology.redaction import Redaction
from topology.time_window import import_window

TARGET_SPANS_PER_S = 300_000
TARGET_RSS_PER_BYTE = 2.0
BATCH_SPANS = 50_000
DEFAULT_DB = Path("/tmp/svcmap-bench/import.db")  # noqa: S108 - a scratch file
HUGE_PATH = Path("/tmp/svcmap-bench/traces-huge.json")  # noqa: S108 - a scratch file
SPANS_PER_GB = {"jaeger": 2_690_000, "otlp": 4_000_000}
"""The generator writes about 372 bytes a Jaeger span, 250 an OTLP one."""
NOW_S = 1_777_604_400
STORED_TABLES: tuple[Table, ...] = (edge_buckets, service_buckets, nodes, seen_traces)
"""What an import leaves in the store: its sums, its nodes and the traces it remembers."""
EXPECTED_DIGEST = "df78091a83eea527a4304e25c10c88592232659ae06247bccddfcf21a53296ff"
"""`stored_digest` after importing the default file (1,000,000 spans, seed 1): the answers
every faster import must give."""
OTLP_PATH = Path("/tmp/svcmap-bench/traces-1m-otlp.json")  # noqa: S108 - a scratch file
EXPECTED_OTLP_DIGEST = "46c8e658df250f78d2724c7bdd25f3ac0e8db5347e4446ba4f8268060d3d05ac"
"""`stored_digest` after `svcmap import` of the same spans as OTLP JSON Lines. Not the
Jaeger file's: the same calls and counts, but summed in another order (traces are linked
part by part of the spans parked on disk, so the order follows `SPILL_PART_BYTES`), and
their latency sums differ in the last digits."""


def fresh_store(path: Path) -> Store:
    """A store in a new SQLite file at `path`, migrated to the latest schema."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Store(engine)


@dataclass(slots=True)
class Stages:
    """CPU seconds spent in each stage of one import, and what it read.

    CPU time, not wall time: the machines the benches run on are shared, and the target
    is for one core.
    """

    parse: float = 0.0
    link: float = 0.0
    ingest: float = 0.0
    spans: int = 0
    marks: list[float] = field(default_factory=list)

    @property
    def total(self) -> float:
        """Seconds end to end."""
        return self.parse + self.link + self.ingest


def _linked(path: Path, stages: Stages) -> Iterator[tuple[Sequence[Call], Sequence[Served], int]]:
    """Each batch linked as `stream_linked` links it, timing the decode and the link apart.

    The time between batches is the ingest's.
    """
    prep = Preparation(import_window(NOW_S), Redaction())  # the CLI's defaults
    with path.open("rb") as file, paused_gc():  # as `stream_linked` pauses it
        batches = piece_batches(file.read, batch_spans=BATCH_SPANS)
        while True:
            started = time.process_time()
            if stages.marks:
                stages.ingest += started - stages.marks[-1]
            batch = next(batches, None)
            parsed = time.process_time()
            stages.parse += parsed - started
            if batch is None:
                stages.marks.append(parsed)
                return
            traces = [(p.path, p.value) for p in batch if isinstance(p.value, JaegerTrace)]
            if len(traces) != len(batch):
                raise SystemExit(f"{path}: not a Jaeger document")
            linked = link_traces(traces, prep)
            stages.spans += linked.spans
            linked_at = time.process_time()
            stages.link += linked_at - parsed
            stages.marks.append(linked_at)
            yield linked.linked.calls, linked.linked.served, linked.spans


def import_file(store: Store, path: Path) -> tuple[IngestResult, Stages, float]:
    """Import `path` into `store` as `svcmap import` would; the stages and wall seconds."""
    wall = time.perf_counter()
    stages = Stages()
    result = store.ingest_batches(_linked(path, stages), now_s=NOW_S, source=str(path))
    stages.ingest += time.process_time() - stages.marks[-1]  # the commit
    return result, stages, time.perf_counter() - wall


def stored_digest(db: Path) -> str:
    """A SHA-256 of every row an import stored in `db`, in key order, floats exactly (`repr`)."""
    digest = hashlib.sha256()
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        for table in STORED_TABLES:
            digest.update(table.name.encode())
            query = select(table).order_by(*table.primary_key.columns)
            for row in connection.execute(query):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def bare_decode(path: Path) -> float:
    """CPU seconds for a typed msgspec decode of the whole file, the fields the import reads."""
    data = path.read_bytes()
    decoder = msgspec.json.Decoder(document.Document)
    with paused_gc():
        started = time.process_time()
        decoded = decoder.decode(data)
        seconds = time.process_time() - started
        del decoded
    return seconds


@dataclass(frozen=True, slots=True)
class CliImport:
    """What `svcmap import` of a file into a fresh store took, and what it stored."""

    cpu_s: float
    wall_s: float
    peak_mb: float
    digest: str


def cli_import(path: Path, db: Path) -> CliImport:
    """`svcmap import` of `path` into a fresh store at `db`, in a process of its own."""
    fresh_store(db)
    svcmap = str(Path(sys.executable).with_name("svcmap"))
    command = [svcmap, "--db", f"sqlite:///{db}", "import", str(path)]
    wall = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"svcmap import of {path} failed")
    return CliImport(
        usage.ru_utime + usage.ru_stime,
        time.perf_counter() - wall,
        usage.ru_maxrss / 1024,
        stored_digest(db),
    )


def otlp_import(spans: int, db: Path) -> float:
    """`svcmap import` of the same spans as OTLP JSON Lines; prints it, returns spans/s.

    Such a file holds each trace in several resources (one per service), so the import
    parks its spans on disk by trace before linking them.
    """
    path = ensure(OTLP_PATH, spans, DEFAULT_SEED, "otlp")
    file_mb = path.stat().st_size / 1e6
    done = cli_import(path, db)
    rate = spans / done.cpu_s
    print(
        f"svcmap import, OTLP JSON Lines ({file_mb:,.0f} MB): {spans:,} spans in "
        f"{done.cpu_s:.1f} s of CPU (wall {done.wall_s:.1f} s) = {rate:,.0f} spans/s, "
        f"peak RSS {done.peak_mb:,.0f} MB ({done.peak_mb / file_mb:.2f}x)"
    )
    if spans == DEFAULT_SPANS:
        same = done.digest == EXPECTED_OTLP_DIGEST
        print(
            f"  stored rows: sha256 {done.digest} ({'as expected' if same else 'NOT AS EXPECTED'})"
        )
        figure(
            "import: OTLP stored rows differ from the expected ones",
            int(not same),
            "mismatch",
            "<=",
            0,
        )
    return rate


def report(label: str, stages: Stages, wall_s: float, bare_s: float | None) -> float:
    """Print one import's throughput and stages; returns its spans per CPU second."""
    rate = stages.spans / stages.total
    missed = "" if rate >= TARGET_SPANS_PER_S else "  TARGET MISSED"
    print(
        f"{label}: {stages.spans:,} spans in {stages.total:.1f} s of CPU (wall {wall_s:.1f} s) "
        f"= {rate:,.0f} spans/s (target >= {TARGET_SPANS_PER_S:,}){missed}"
    )
    print(
        f"  stages (CPU): parse (typed decode) {stages.parse:.2f} s, "
        f"link (spans read from the decoded traces, prepared, linked) {stages.link:.2f} s, "
        f"ingest {stages.ingest:.2f} s"
    )
    if bare_s is not None:
        print(
            f"  import time / bare typed decode: {stages.total / bare_s:.1f}x "
            f"(parse alone {stages.parse / bare_s:.1f}x)"
        )
    return rate


def peak_mb() -> float:
    """The peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def once(path: Path, db: Path) -> int:
    """Import `path` once and print the figures a `--huge` run reads back."""
    store = fresh_store(db)
    _, stages, wall_s = import_file(store, path)
    report("import", stages, wall_s, None)
    print(f"peak RSS: {peak_mb():,.0f} MB")
    return 0


def huge(sizes_gb: list[float], db: Path, fmt: str = "jaeger") -> int:
    """Import generated files of `sizes_gb` each in its own process; RSS against size."""
    rows = []
    for size in sizes_gb:
        spans = int(size * SPANS_PER_GB[fmt])
        started = time.perf_counter()
        generate(HUGE_PATH, spans, DEFAULT_SEED, fmt)
        file_mb = HUGE_PATH.stat().st_size / 1e6
        print(
            f"generate: {spans:,} spans, {file_mb:,.0f} MB in {time.perf_counter() - started:.0f} s"
        )
        try:
            command = [sys.executable, "-m", "bench.import_speed", "--once"]
            command += ["--traces", str(HUGE_PATH), "--db", str(db)]
            if fmt != "jaeger":  # the CLI's own import, which parks spans by trace
                fresh_store(db)
                svcmap = str(Path(sys.executable).with_name("svcmap"))
                command = [svcmap, "--db", f"sqlite:///{db}", "import", str(HUGE_PATH)]
            wall = time.perf_counter()
            child = subprocess.Popen(command)  # this very bench, with --once
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
        finally:
            HUGE_PATH.unlink(missing_ok=True)
        if child.returncode != 0:
            print(f"the import of {file_mb:,.0f} MB failed", file=sys.stderr)
            return 1
        rows.append((file_mb, usage.ru_maxrss / 1024))
        cpu = usage.ru_utime + usage.ru_stime
        print(
            f"{file_mb:,.0f} MB file: peak RSS {rows[-1][1]:,.0f} MB; import {cpu:.0f} s of CPU "
            f"(wall {time.perf_counter() - wall:.0f} s) = {spans / cpu:,.0f} spans/s",
            flush=True,
        )
    print("file MB | peak RSS MB | RSS / file size")
    for file_mb, rss_mb in rows:
        print(f"{file_mb:7,.0f} | {rss_mb:11,.0f} | {rss_mb / file_mb:.2f}x")
    file_mb, rss_mb = rows[-1]
    label = f"import: peak RSS / file size, {file_mb:,.0f} MB" + (
        "" if fmt == "jaeger" else f" {fmt}"
    )
    figure(label, rss_mb / file_mb, "x", "<=", 2)
    return 0


def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=DEFAULT_SPANS)
    parser.add_argument("--traces", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--huge", action="store_true", help="files of --sizes-gb, then deleted")
    parser.add_argument("--sizes-gb", default="1,2,5", help="comma-separated, for --huge")
    parser.add_argument("--format", choices=("jaeger", "otlp"), default="jaeger", help="for --huge")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        return once(args.traces, args.db)
    if args.huge:
        return huge([float(size) for size in args.sizes_gb.split(",")], args.db, args.format)
    path = ensure(args.traces, args.spans)
    file_mb = path.stat().st_size / 1e6

    store = fresh_store(args.db)
    first, stages, wall_s = import_file(store, path)
    digest = stored_digest(args.db)
    again, again_stages, again_wall_s = import_file(store, path)
    peak = peak_mb()
    cli = cli_import(path, args.db)
    otlp_rate = otlp_import(args.spans, args.db) if args.traces == DEFAULT_PATH else None

    # The yardstick runs last: it holds the whole file and its spans, which would set the peak.
    bare_s = bare_decode(path)
    print(
        f"bare typed msgspec decode: {file_mb:,.0f} MB in {bare_s:.2f} s of CPU "
        f"= {stages.spans / bare_s:,.0f} spans/s (the yardstick)"
    )
    rate = report("import", stages, wall_s, bare_s)
    print(f"  added {first.calls_new:,} calls and {first.served_new:,} served requests")
    report("re-import", again_stages, again_wall_s, bare_s)
    added = again.calls_new + again.served_new
    verdict = "" if added == 0 else "  TARGET MISSED (a re-import must add nothing)"
    print(
        f"  added {again.calls_new:,} calls and {again.served_new:,} served requests, "
        f"{again.calls_duplicate:,} calls already known{verdict}"
    )
    print(
        f"peak RSS of the two imports: {peak:,.0f} MB for a {file_mb:,.0f} MB file "
        f"({peak / file_mb:.2f}x, target <= {TARGET_RSS_PER_BYTE:.0f}x)"
    )
    cli_rate = stages.spans / cli.cpu_s
    print(
        f"svcmap import: {stages.spans:,} spans in {cli.cpu_s:.1f} s of CPU "
        f"(wall {cli.wall_s:.1f} s) = {cli_rate:,.0f} spans/s; "
        f"stored the same rows: {cli.digest == digest}"
    )
    figure("import: spans per CPU second end to end", rate, "spans/s", ">=", TARGET_SPANS_PER_S)
    figure(
        "import: svcmap import, spans per CPU second", cli_rate, "spans/s", ">=", TARGET_SPANS_PER_S
    )
    if otlp_rate is not None:
        figure(
            "import: svcmap import of OTLP JSON Lines, spans per CPU second",
            otlp_rate,
            "spans/s",
            ">=",
            TARGET_SPANS_PER_S,
        )
    figure("import: re-import adds", added, "rows", "<=", 0)
    if (args.spans, args.traces) == (DEFAULT_SPANS, DEFAULT_PATH):
        same = digest == EXPECTED_DIGEST
        print(f"stored rows: sha256 {digest} ({'as expected' if same else 'NOT AS EXPECTED'})")
        figure(
            "import: stored rows differ from the expected ones", int(not same), "mismatch", "<=", 0
        )
    else:
        print(f"stored rows: sha256 {digest}")
    figure("import: peak RSS / file size", peak / file_mb, "x", "<=", TARGET_RSS_PER_BYTE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
