"""Prometheus source throughput: 50,000 service-graph edges read, parsed and stored.

    .venv/bin/python -m bench.prometheus_speed [--edges N] [--db PATH]

A local HTTP server on 127.0.0.1 answers `GET /api/v1/query` as Prometheus does for the
five instant queries of `PrometheusEdgeSource` over `traces_service_graph_*` series:
one series per edge and `failed` value for requests, per failing edge for failures, per
edge and `le` for the server latency histogram (the OpenTelemetry Collector's 16 default
buckets and +Inf), per edge for `_sum` and `_count`. Labels are those of the aggregated
series (no `__name__`, `connection_type` only on database and messaging edges), values
strings, gzipped when the client asks (httpx does), as Prometheus serves them. The
answers are built before the clock starts. Timed: `PrometheusEdgeSource.edges` (five
requests, decode, parse) and `Store.ingest_edges` into a fresh SQLite file.
Target: 50,000 edges in under 5 s.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson

from bench.summary import figure
from bot.adapters.sources import PrometheusEdgeSource
from bot.adapters.store import Store, make_engine, upgrade

TARGET_S = 5.0
DEFAULT_EDGES = 50_000
DEFAULT_DB = Path("/tmp/svcmap-bench/prometheus.db")  # noqa: S108 - a scratch file
END_S = 1_777_604_460
WINDOW_S = 60
BUCKETS_S = (0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15)
"""The servicegraph connector's default latency buckets, in seconds."""
KINDS = ("", "", "", "", "", "", "", "", "database", "messaging_system")
"""`connection_type` of one edge in ten; empty (a plain RPC call) means the label is absent."""


def edges_of_fleet(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """`count` distinct (client, server, connection_type) edges over a fleet of services."""
    services = [f"svc-{n:05d}" for n in range(max(100, count // 10))]
    seen: set[tuple[str, str]] = set()
    while len(seen) < count:
        seen.add((rng.choice(services), rng.choice(services)))
    return [(client, server, rng.choice(KINDS)) for client, server in sorted(seen)]


def answers(rng: random.Random, edges: list[tuple[str, str, str]]) -> dict[str, bytes]:
    """The body of each of the five queries, keyed by the metric it asks about."""
    stamp = END_S + 0.123
    by_metric: dict[str, list[dict[str, object]]] = {
        name: []
        for name in (
            "request_total",
            "request_failed_total",
            "request_server_seconds_bucket",
            "request_server_seconds_sum",
            "request_server_seconds_count",
        )
    }

    def sample(metric: str, labels: dict[str, str], value: float) -> None:
        by_metric[metric].append({"metric": labels, "value": [stamp, _go_float(value)]})

    for client, server, kind in edges:
        labels = {"client": client, "server": server}
        if kind:
            labels["connection_type"] = kind
        calls = rng.uniform(1, 5_000)
        failed = calls * rng.choice((0, 0, 0, 0.001, 0.02))
        sample("request_total", {**labels, "failed": "false"}, calls - failed)
        if failed:
            sample("request_total", {**labels, "failed": "true"}, failed)
            sample("request_failed_total", labels, failed)
        typical = rng.lognormvariate(-4, 1)
        cumulative = 0.0
        for le in BUCKETS_S:
            share = 1 - 2.718281828 ** (-le / typical)
            cumulative = max(cumulative, calls * share)
            sample("request_server_seconds_bucket", {**labels, "le": _go_float(le)}, cumulative)
        sample("request_server_seconds_bucket", {**labels, "le": "+Inf"}, calls)
        sample("request_server_seconds_sum", labels, calls * typical)
        sample("request_server_seconds_count", labels, calls)
    return {
        metric: orjson.dumps(
            {"status": "success", "data": {"resultType": "vector", "result": result}}
        )
        for metric, result in by_metric.items()
    }


def _go_float(value: float) -> str:
    """A sample value as Prometheus prints it (Go's shortest 'f' form: `5`, not `5.0`)."""
    text = repr(round(value, 6))
    return text.removesuffix(".0")


@contextmanager
def serving(bodies: dict[str, bytes]) -> Iterator[str]:
    """Serve the answers on a free port of 127.0.0.1; yields the base URL."""
    zipped = {metric: gzip.compress(body, compresslevel=1) for metric, body in bodies.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query).get("query", [""])[0]
            metric = next((m for m in sorted(bodies, key=len, reverse=True) if m in query), "")
            if not metric:
                self.send_error(400, "unknown query")
                return
            gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
            body = zipped[metric] if gzipped else bodies[metric]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fresh_store(path: Path) -> Store:
    """A store in a new SQLite file at `path`, migrated to the latest schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Store(engine)


def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=DEFAULT_EDGES)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    args = parser.parse_args()

    rng = random.Random(20_260_501)
    fleet = edges_of_fleet(rng, args.edges)
    bodies = answers(rng, fleet)
    series = sum(body.count(b'"metric"') for body in bodies.values())
    megabytes = sum(len(body) for body in bodies.values()) / 1e6
    print(f"answers: {series:,} series over {len(fleet):,} edges, {megabytes:,.0f} MB of JSON")
    store = fresh_store(args.db)
    with serving(bodies) as url, httpx.Client(base_url=url, timeout=60) as client:
        source = PrometheusEdgeSource(client)
        cpu, started = time.process_time(), time.perf_counter()
        edges = source.edges(start_s=END_S - WINDOW_S, end_s=END_S)
        read_s = time.perf_counter() - started
        calls = store.ingest_edges(edges, minute_s=END_S - WINDOW_S, source="bench")
        total_s = time.perf_counter() - started
        cpu_s = time.process_time() - cpu
    stored = store.edges()
    missed = "" if total_s < TARGET_S and len(stored) == len(fleet) else "  TARGET MISSED"
    print(
        f"prometheus: {len(stored):,} edges ({calls:,} calls) read, parsed and stored in "
        f"{total_s:.2f} s (CPU {cpu_s:.2f} s) = {len(stored) / total_s:,.0f} edges/s "
        f"(target {len(fleet):,} in < {TARGET_S:.0f} s){missed}"
    )
    print(f"  stages: read and parse {read_s:.2f} s, store {total_s - read_s:.2f} s")
    figure(f"prometheus: {len(fleet):,} edges read and stored", total_s, "s", "<=", TARGET_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
