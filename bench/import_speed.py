"""End-to-end import throughput: Jaeger JSON bytes to per-minute rows in a fresh SQLite store.

    .venv/bin/python -m bench.import_speed [--spans N] [--traces PATH] [--db PATH]

Stages: read the file, `parse_traces`, `lower_trace_ids` (the default, non-strict trace
ids), `link`, `Store.ingest`. Also times a bare
`orjson.loads` of the same bytes as a yardstick, and a re-import, which must add nothing.
Target: at least 100,000 spans/s end to end on one core.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import orjson

from bench.generate_traces import DEFAULT_PATH, DEFAULT_SPANS, ensure
from topology.linking import link
from topology.parsing import parse_traces
from topology.store import IngestResult, Store, make_engine, upgrade
from topology.trace_ids import lower_trace_ids

TARGET_SPANS_PER_S = 100_000
DEFAULT_DB = Path("/tmp/svcmap-bench/import.db")  # noqa: S108 - a scratch file
NOW_S = 1_777_604_400

T = TypeVar("T")
P = ParamSpec("P")


def timed(what: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[T, float]:
    """The result of `what(*args, **kwargs)` and the seconds it took."""
    started = time.perf_counter()
    result = what(*args, **kwargs)
    return result, time.perf_counter() - started


def fresh_store(path: Path) -> Store:
    """A store in a new SQLite file at `path`, migrated to the latest schema."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Store(engine)


def import_file(store: Store, path: Path) -> tuple[IngestResult, dict[str, float], float, int]:
    """Import `path` into `store` as `svcmap import` would; returns the stages' and CPU seconds."""
    cpu = time.process_time()
    data, read_s = timed(path.read_bytes)
    spans, parse_s = timed(parse_traces, data, source=str(path))
    del data
    _, low_s = timed(lower_trace_ids, spans)
    linked, link_s = timed(link, spans)
    result, ingest_s = timed(
        store.ingest, linked.calls, linked.served, now_s=NOW_S, source=str(path), spans=len(spans)
    )
    stages = {
        "read": read_s,
        "parse": parse_s,
        "low ids": low_s,
        "link": link_s,
        "ingest": ingest_s,
    }
    return result, stages, time.process_time() - cpu, len(spans)


def report(label: str, spans: int, stages: dict[str, float], cpu_s: float, bare_s: float) -> None:
    """Print one import's throughput and stages."""
    total = sum(stages.values())
    rate = spans / total
    missed = "" if rate >= TARGET_SPANS_PER_S else "  TARGET MISSED"
    print(
        f"{label}: {spans:,} spans in {total:.1f} s (CPU {cpu_s:.1f} s) = {rate:,.0f} spans/s "
        f"(target >= {TARGET_SPANS_PER_S:,}){missed}"
    )
    print("  stages: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items()))
    print(f"  import time / bare orjson.loads: {total / bare_s:.1f}x")


def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=DEFAULT_SPANS)
    parser.add_argument("--traces", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    args = parser.parse_args()
    path = ensure(args.traces, args.spans)

    store, setup_s = timed(fresh_store, args.db)
    print(f"store: fresh SQLite at {args.db}, migrated in {setup_s:.2f} s")
    first, first_stages, first_cpu_s, spans = import_file(store, path)
    again, again_stages, again_cpu_s, _ = import_file(store, path)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The yardstick runs last: its millions of dicts would otherwise set the peak RSS.
    data = path.read_bytes()
    _, bare_s = timed(orjson.loads, data)
    print(
        f"orjson.loads: {len(data) / 1e6:,.0f} MB in {bare_s:.2f} s "
        f"= {spans / bare_s:,.0f} spans/s (bare decode with gc as normal, the yardstick)"
    )
    report("import", spans, first_stages, first_cpu_s, bare_s)
    print(f"  added {first.calls_new:,} calls and {first.served_new:,} served requests")
    report("re-import", spans, again_stages, again_cpu_s, bare_s)
    added = again.calls_new + again.served_new
    verdict = "" if added == 0 else "  TARGET MISSED (a re-import must add nothing)"
    print(
        f"  added {again.calls_new:,} calls and {again.served_new:,} served requests, "
        f"{again.calls_duplicate:,} calls already known{verdict}"
    )
    print(f"peak RSS of the two imports: {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
