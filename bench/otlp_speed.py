"""OTLP/HTTP receiver throughput: protobuf exports posted to the web app, stored in SQLite.

    .venv/bin/python -m bench.otlp_speed [--batches N] [--spans-per-batch N] [--db PATH]
                                         [--apart]

Posts N exports (default 100 x 1,000 spans: traces of client/server pairs across 50
services, grouped by service as SDKs send them) to `POST /v1/traces` of the in-process
app through Starlette's TestClient: decode, parse, link, `Store.ingest`, answer.
With `--apart`, each export goes as two: its client spans, then its server spans, as
when callers and callees export apart: every client span waits for its server span
(kept in the store until the second export pairs it).
Target: at least 20,000 spans/s accepted on one core.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from bench.summary import figure
from bot.bootstrap import build_app
from bot.settings import load_settings
from bot.web.app import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

TARGET_SPANS_PER_S = 20_000
DEFAULT_DB = Path("/tmp/svcmap-bench/otlp.db")  # noqa: S108 - a scratch file
SERVICES = [f"svc-{i:02d}" for i in range(50)]
HOPS = 5  # client/server pairs per trace: 10 spans
HOUR_NS = 3_600_000_000_000


def export(rng: random.Random, spans: int) -> bytes:
    """One export of `spans` spans (whole traces), grouped by service."""
    by_service: dict[str, list[Span]] = {}
    for _ in range(spans // (2 * HOPS)):
        trace_id = rng.randbytes(16)
        parent = b""
        caller = rng.choice(SERVICES)
        start = (time.time_ns() - 2 * HOUR_NS) + rng.randrange(HOUR_NS)  # live: the last hours
        for hop in range(HOPS):
            callee = rng.choice(SERVICES)
            client_id, server_id = rng.randbytes(8), rng.randbytes(8)
            span_name = f"call {hop}"
            by_service.setdefault(caller, []).append(
                Span(
                    span_id=client_id,
                    parent_span_id=parent,
                    kind=Span.SPAN_KIND_CLIENT,
                    start_time_unix_nano=start,
                    end_time_unix_nano=start + 2_000_000,
                    attributes=[
                        KeyValue(key="http.method", value=AnyValue(string_value="GET")),
                        # the peer named, as instrumented HTTP clients do: these client
                        # spans take the pairing path (their server spans come along)
                        KeyValue(key="peer.service", value=AnyValue(string_value=callee)),
                    ],
                    trace_id=trace_id,
                    name=span_name,
                )
            )
            by_service.setdefault(callee, []).append(
                Span(
                    span_id=server_id,
                    parent_span_id=client_id,
                    kind=Span.SPAN_KIND_SERVER,
                    start_time_unix_nano=start + 100_000,
                    end_time_unix_nano=start + 1_900_000,
                    trace_id=trace_id,
                    name=span_name,
                )
            )
            parent, caller = server_id, callee
    request = ExportTraceServiceRequest()
    for service, service_spans in by_service.items():
        group = request.resource_spans.add()
        name = AnyValue(string_value=service)
        group.resource.attributes.append(KeyValue(key="service.name", value=name))
        group.scope_spans.add().spans.extend(service_spans)
    body: bytes = request.SerializeToString()
    return body


def apart(body: bytes) -> list[bytes]:
    """The export `body` as two: its client spans, then its server spans."""
    whole = ExportTraceServiceRequest.FromString(body)
    halves = []
    for kind in (Span.SPAN_KIND_CLIENT, Span.SPAN_KIND_SERVER):
        half = ExportTraceServiceRequest()
        for group in whole.resource_spans:
            spans = [span for span in group.scope_spans[0].spans if span.kind == kind]
            if spans:
                kept = half.resource_spans.add()
                kept.resource.CopyFrom(group.resource)
                kept.scope_spans.add().spans.extend(spans)
        halves.append(half.SerializeToString())
    return halves


def main() -> None:
    """Post the exports, print spans/s, and say whether the target was met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--spans-per-batch", type=int, default=1000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--apart", action="store_true", help="client and server spans apart")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    args.db.unlink(missing_ok=True)
    rng = random.Random(7)
    bodies = [export(rng, args.spans_per_batch) for _ in range(args.batches)]
    if args.apart:
        bodies = [half for body in bodies for half in apart(body)]
    spans = args.batches * (args.spans_per_batch // (2 * HOPS)) * 2 * HOPS
    headers = {"Content-Type": "application/x-protobuf"}
    settings = load_settings(database_url=f"sqlite:///{args.db}")
    with (
        build_app(settings) as app,
        TestClient(create_app(app), base_url="http://127.0.0.1") as client,
    ):
        started = time.perf_counter()
        for body in bodies:
            answer = client.post("/v1/traces", content=body, headers=headers)
            if answer.status_code != 200 or answer.content:
                raise SystemExit(f"export refused: {answer.status_code} {answer.content[:200]!r}")
        seconds = time.perf_counter() - started
        calls = sum(edge.calls for edge in app.store.edges())
        resent = time.perf_counter()
        client.post("/v1/traces", content=bodies[0], headers=headers)
        resend_s = time.perf_counter() - resent
        calls_after = sum(edge.calls for edge in app.store.edges())
    rate = spans / seconds
    mark = "" if rate >= TARGET_SPANS_PER_S else "  TARGET MISSED"
    how = ", client and server spans apart" if args.apart else ""
    print(f"OTLP protobuf exports: {args.batches} x {args.spans_per_batch} spans{how}")
    print(f"  accepted {spans:,} spans in {seconds:.2f} s: {rate:,.0f} spans/s{mark}")
    print(f"  target >= {TARGET_SPANS_PER_S:,} spans/s; calls stored {calls:,}")
    figure(f"otlp: receive{how}", rate, "spans/s", ">=", TARGET_SPANS_PER_S)
    again = "nothing added" if calls_after == calls else f"ADDED {calls_after - calls} calls"
    print(f"  one export sent again: {resend_s * 1000:.0f} ms, {again}")


if __name__ == "__main__":
    main()
