"""`POST /v1/logs` and `POST /v1/metrics`: OTLP/HTTP logs and metrics, protobuf or JSON.

Bodies are read as `/v1/traces` reads them (limits, gzip, 415/413 answers); a body that
is not an export is answered 400 with what is wrong, and nothing of it is stored.
Records and points refused one by one, those of service names refused by the caps on
new names (counted as the receiver's traces are, under its source), and metric points
dropped at the cap of metric names, are told in the answer's partial success.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceResponse,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.bootstrap import App, signal_desk
from bot.usecases.name_caps import admission
from bot.usecases.signal_import import (
    SignalImport,
    store_logs,
    store_metrics,
)
from bot.web.metrics import WebMetrics
from bot.web.otlp import (
    INVALID_ARGUMENT,
    PROTOBUF,
    UNAVAILABLE,
    Endpoint,
    partial_success,
    read_export,
    status_response,
)
from topology.errors import SvcmapError, TraceFormatError
from topology.parsing.otlp_logs import parse_logs
from topology.parsing.otlp_metrics import parse_metrics
from topology.parsing.otlp_signals_proto import read_logs_protobuf, read_metrics_protobuf
from topology.parsing.signals import Signal
from topology.signals.metrics import Cumulatives
from topology.time_window import TimeWindow, live_window

SOURCE = "otlp"
_Ingest = Callable[[bytes, str], SignalImport]
_log = logging.getLogger(__name__)


def logs_endpoint(app: App, metrics: WebMetrics) -> Endpoint:
    """The `/v1/logs` handler."""

    def ingest(body: bytes, media: str) -> SignalImport:
        now_s, chars = app.now(), app.settings.log_body_chars
        if media == PROTOBUF:
            export = read_logs_protobuf(body, source=SOURCE, now_s=now_s, body_chars=chars)
        else:
            export = parse_logs(body, source=SOURCE, now_s=now_s, body_chars=chars)
        window, admit = received_window(app), admission(app.names, SOURCE)
        return store_logs(signal_desk(app), export, source=SOURCE, window=window, admit=admit)

    return _endpoint(app, metrics, Signal.LOGS, ingest)


def metrics_endpoint(app: App, metrics: WebMetrics, cumulatives: Cumulatives) -> Endpoint:
    """The `/v1/metrics` handler; `cumulatives` keeps cumulative sums' points between exports."""
    reading = threading.Lock()  # exports are read in worker threads; one at a time updates

    def ingest(body: bytes, media: str) -> SignalImport:
        with reading:
            if media == PROTOBUF:
                export = read_metrics_protobuf(body, source=SOURCE, cumulatives=cumulatives)
            else:
                export = parse_metrics(body, source=SOURCE, cumulatives=cumulatives)
        window, admit = received_window(app), admission(app.names, SOURCE)
        return store_metrics(signal_desk(app), export, source=SOURCE, window=window, admit=admit)

    return _endpoint(app, metrics, Signal.METRICS, ingest)


def received_window(app: App) -> TimeWindow:
    """The window of records received over OTLP now."""
    settings = app.settings
    return live_window(
        app.now(), retention_s=settings.retain_minutes, skew_s=settings.max_clock_skew
    )


def _endpoint(app: App, metrics: WebMetrics, signal: Signal, ingest: _Ingest) -> Endpoint:
    limit = app.settings.otlp_max_body_bytes
    name = "logs" if signal is Signal.LOGS else "metrics"

    async def receive(request: Request) -> Response:
        read = await read_export(request, limit)
        if isinstance(read, Response):
            return read
        media, body = read
        try:
            done = await run_in_threadpool(ingest, body, media)
        except TraceFormatError as error:
            _log.info("refused a malformed OTLP %s export of %d bytes: %s", name, len(body), error)
            return status_response(media, INVALID_ARGUMENT, str(error), 400)
        except SvcmapError:
            _log.exception("could not store an OTLP %s export", name)
            return status_response(media, UNAVAILABLE, "the store is unavailable", 503)
        counted = metrics.signal_items
        counted.labels(signal=name, outcome="stored").inc(done.stored)
        counted.labels(signal=name, outcome="duplicate").inc(done.duplicates)
        counted.labels(signal=name, outcome="capped").inc(done.capped)
        counted.labels(signal=name, outcome="rejected").inc(done.refused)
        counted.labels(signal=name, outcome="names_refused").inc(done.names_refused)
        if done.capped:
            _log.info("OTLP %s: %d items past the caps of a service", name, done.capped)
        return _answer(media, signal, done)

    return receive


def _answer(media: str, signal: Signal, done: SignalImport) -> Response:
    """An empty export response, or a partial success naming what was rejected."""
    rejected = done.refused
    reasons = [done.reason] if done.refused and done.reason else []
    if done.names_refused:
        rejected += done.names_refused
        reasons.append(f"{done.names_refused} of new service names past the caps on new names")
    if signal is Signal.METRICS and done.capped:
        rejected += done.capped
        reasons.append(f"{done.capped} points of metric names past the cap of a service")
    message = f"{rejected} rejected: {'; '.join(reasons)}" if rejected else ""
    if signal is Signal.LOGS:
        logs = ExportLogsServiceResponse()
        return partial_success(media, logs, "rejected_log_records", rejected, message)
    metrics = ExportMetricsServiceResponse()
    return partial_success(media, metrics, "rejected_data_points", rejected, message)
