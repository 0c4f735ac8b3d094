"""Where a live refresh reads traces and edges from: one adapter per backend.

Each adapter takes an `httpx.Client` (its base URL, auth and timeouts are the caller's
choice) and speaks the ports of `topology.sources.ports`. The wire formats are read by
pure functions beside each adapter. Every failure is a `topology.errors.SourceError`.
"""

from topology.sources.backstage import BackstageCatalogSource
from topology.sources.jaeger import JaegerTraceSource
from topology.sources.ports import CatalogRead, CatalogSource, EdgeSource, TraceSource
from topology.sources.prometheus import PrometheusEdgeSource
from topology.sources.tempo import TempoTraceSource
from topology.sources.zipkin import ZipkinTraceSource

__all__ = [
    "BackstageCatalogSource",
    "CatalogRead",
    "CatalogSource",
    "EdgeSource",
    "JaegerTraceSource",
    "PrometheusEdgeSource",
    "TempoTraceSource",
    "TraceSource",
    "ZipkinTraceSource",
]
