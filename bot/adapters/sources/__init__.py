"""Where a live refresh reads traces, edges and signals from: one adapter per backend.

Each adapter takes an `httpx.Client` (its base URL, auth and timeouts are the caller's
choice) and speaks the ports of `bot.adapters.sources.ports`. The wire formats are read by
pure functions beside each adapter. Every failure is a `topology.errors.SourceError`.
"""

from bot.adapters.sources.backstage import BackstageCatalogSource
from bot.adapters.sources.jaeger import JaegerTraceSource
from bot.adapters.sources.ports import (
    CatalogRead,
    CatalogSource,
    EdgeSource,
    SignalRead,
    SignalSource,
    TraceSource,
)
from bot.adapters.sources.prometheus import PrometheusEdgeSource
from bot.adapters.sources.prometheus_signals import PrometheusSignalSource
from bot.adapters.sources.tempo import TempoTraceSource
from bot.adapters.sources.zipkin import ZipkinTraceSource

__all__ = [
    "BackstageCatalogSource",
    "CatalogRead",
    "CatalogSource",
    "EdgeSource",
    "JaegerTraceSource",
    "PrometheusEdgeSource",
    "PrometheusSignalSource",
    "SignalRead",
    "SignalSource",
    "TempoTraceSource",
    "TraceSource",
    "ZipkinTraceSource",
]
