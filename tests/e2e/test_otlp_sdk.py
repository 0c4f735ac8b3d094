"""The real OpenTelemetry SDK exports spans over OTLP/HTTP to a running `svcmap serve`."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from tests.e2e.conftest import SVCMAP


@pytest.fixture
def server(serve: Callable[..., tuple[str, dict[str, str]]]) -> tuple[str, dict[str, str]]:
    """`svcmap serve` over a fresh SQLite file."""
    return serve()


def provider(service: str, endpoint: str, *, batch: bool) -> TracerProvider:
    made = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(endpoint=endpoint, timeout=10, compression=Compression.Gzip)
    made.add_span_processor(
        BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    )
    return made


def test_spans_exported_by_the_sdk_show_up_as_an_edge(server, tmp_path):
    base, env = server
    frontend = provider("frontend", f"{base}/v1/traces", batch=True)
    cart = provider("cart", f"{base}/v1/traces", batch=False)
    propagator = TraceContextTextMapPropagator()
    try:
        for _ in range(3):
            with frontend.get_tracer("shop").start_as_current_span(
                "GET /cart", kind=SpanKind.CLIENT
            ):
                carrier: dict[str, str] = {}
                propagator.inject(carrier)
                incoming = propagator.extract(carrier)
                with cart.get_tracer("cart").start_as_current_span(
                    "GET /cart", context=incoming, kind=SpanKind.SERVER
                ):
                    pass
        assert frontend.force_flush(10_000)
        assert cart.force_flush(10_000)
    finally:
        frontend.shutdown()
        cart.shutdown()

    found = edges_of(env, tmp_path)
    assert found == [("frontend", "cart", 3, 0)]
    metrics = httpx.get(f"{base}/metrics", timeout=5).text
    assert "svcmap_otlp_spans_accepted_total 6.0" in metrics
    (otlp,) = svcmap_json(env, tmp_path, "sources", "--json")
    assert (otlp["source"], otlp["pushed"], otlp["stale"]) == ("otlp", True, False)


def svcmap_json(env: dict[str, str], cwd: Path, *args: str) -> Any:
    """What `svcmap ARGS` prints, read as JSON."""
    done = subprocess.run(
        [str(SVCMAP), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def edges_of(env: dict[str, str], cwd: Path) -> list[tuple[str, str, int, int]]:
    edges = svcmap_json(env, cwd, "edges", "--json")
    return [(e["parent"], e["child"], e["calls"], e["errors"]) for e in edges]


def test_client_spans_naming_their_peer_count_once_and_wait_for_no_longer_than_set(serve, tmp_path):
    base, env = serve(SVCMAP_OTLP_PAIRING_WAIT="2s")
    # The client spans are exported as they end, the server spans only at the flush after:
    # each call's client half reaches svcmap first.
    frontend = provider("frontend", f"{base}/v1/traces", batch=False)
    cart = provider("cart", f"{base}/v1/traces", batch=True)
    propagator = TraceContextTextMapPropagator()
    tracer = frontend.get_tracer("shop")
    try:
        for _ in range(3):
            with tracer.start_as_current_span(
                "GET /cart", kind=SpanKind.CLIENT, attributes={"peer.service": "cart"}
            ):
                carrier: dict[str, str] = {}
                propagator.inject(carrier)
                with cart.get_tracer("cart").start_as_current_span(
                    "GET /cart", context=propagator.extract(carrier), kind=SpanKind.SERVER
                ):
                    pass
        with tracer.start_as_current_span(
            "POST /charge", kind=SpanKind.CLIENT, attributes={"peer.service": "payments"}
        ):
            pass
        assert cart.force_flush(10_000)
    finally:
        frontend.shutdown()
        cart.shutdown()

    assert ("frontend", "cart", 3, 0) in edges_of(env, tmp_path)
    deadline = time.monotonic() + 20
    while ("frontend", "payments", 1, 0) not in edges_of(env, tmp_path):
        assert time.monotonic() < deadline, "the unanswered client span was never stored"
        time.sleep(0.5)
    assert edges_of(env, tmp_path) == [("frontend", "cart", 3, 0), ("frontend", "payments", 1, 0)]


def test_client_spans_still_waiting_are_stored_when_the_server_is_stopped(
    serve, serve_processes, tmp_path
):
    base, env = serve(SVCMAP_OTLP_PAIRING_WAIT="5m")
    frontend = provider("frontend", f"{base}/v1/traces", batch=False)
    try:
        with frontend.get_tracer("shop").start_as_current_span(
            "POST /charge", kind=SpanKind.CLIENT, attributes={"peer.service": "payments"}
        ):
            pass
    finally:
        frontend.shutdown()
    assert edges_of(env, tmp_path) == []

    server = serve_processes[base]
    server.send_signal(signal.SIGTERM)

    assert server.wait(timeout=30) == 0
    assert edges_of(env, tmp_path) == [("frontend", "payments", 1, 0)]
