"""The real OpenTelemetry SDK exports logs and metrics over OTLP/HTTP to `svcmap serve`."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from sqlalchemy import create_engine

from bot.adapters.store import Store


@pytest.fixture
def server(serve: Callable[..., tuple[str, dict[str, str]]]) -> tuple[str, dict[str, str]]:
    """`svcmap serve` over a fresh SQLite file."""
    return serve()


def store_of(env: dict[str, str]) -> Store:
    return Store(create_engine(env["SVCMAP_DATABASE_URL"]))


def test_log_lines_of_the_sdk_are_counted_by_level_and_template(server):
    base, env = server
    provider = LoggerProvider(resource=Resource.create({"service.name": "checkout"}))
    exporter = OTLPLogExporter(endpoint=f"{base}/v1/logs", timeout=10, compression=Compression.Gzip)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("checkout")
    started = int(time.time())
    try:
        for order in (1041, 1042, 1043):
            logger.emit(
                timestamp=time.time_ns(),
                severity_number=SeverityNumber.INFO,
                severity_text="INFO",
                body=f"order {order} placed",
                attributes={"user.email": "ann@example.com"},
            )
        logger.emit(
            timestamp=time.time_ns(),
            severity_number=SeverityNumber.ERROR,
            body="payment failed for order 1044",
        )
        assert provider.force_flush(10_000)
    finally:
        provider.shutdown()

    now = int(time.time())
    series = store_of(env).log_series(["checkout"], started - 60, now)["checkout"]
    assert sum(series.metrics["level:INFO"]) == 3
    assert sum(series.metrics["level:ERROR"]) == 1
    assert sum(series.metrics["template:order <NUM> placed"]) == 3
    exposed = httpx.get(f"{base}/metrics", timeout=5).text
    assert 'svcmap_otlp_signal_items_total{outcome="stored",signal="logs"} 4.0' in exposed


def test_sdk_metrics_are_stored_per_minute(server):
    base, env = server
    exporter = OTLPMetricExporter(endpoint=f"{base}/v1/metrics", timeout=10)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource.create({"service.name": "cart"}), metric_readers=[reader]
    )
    started = int(time.time())
    try:
        meter = provider.get_meter("cart")
        queue = meter.create_up_down_counter("queue.depth")
        queue.add(7)
        histogram = meter.create_histogram("request.duration", unit="ms")
        for value in (10.0, 20.0, 30.0):
            histogram.record(value)
        assert provider.force_flush(10_000)
    finally:
        provider.shutdown()

    now = int(time.time())
    metrics = store_of(env).metric_series(["cart"], started - 60, now)["cart"].metrics
    assert [v for v in metrics["queue.depth"] if v is not None] == [7.0]
    assert [v for v in metrics["request.duration"] if v is not None] == [20.0]
