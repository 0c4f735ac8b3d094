"""Statistics turned into table rows and back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from topology.model import NodeKind
from topology.stats import HISTOGRAM_SIZE, EdgeStats, Latency, ServiceStats
from topology.store.schema import HISTOGRAM_COLUMNS

EDGE_VALUES: tuple[str, ...] = (
    "calls",
    "errors",
    "lat_sum_ms",
    "lat_count",
    "client_sum_ms",
    "client_count",
    "server_sum_ms",
    "server_count",
    *HISTOGRAM_COLUMNS,
)
"""The summable columns of `edge_buckets`, in the order `edge_stats` reads them."""

SERVICE_VALUES: tuple[str, ...] = (
    "requests",
    "errors",
    "lat_sum_ms",
    "lat_count",
    *HISTOGRAM_COLUMNS,
)
"""The summable columns of `service_buckets`, in the order `service_stats` reads them."""

KINDS: dict[str | None, NodeKind | None] = {kind.value: kind for kind in NodeKind}
KINDS[None] = None


def edge_row(stats: EdgeStats, resolution: int, start: int) -> dict[str, Any]:
    """The `edge_buckets` row of one edge's statistics in one bucket."""
    return {
        "parent": stats.parent,
        "child": stats.child,
        "resolution": resolution,
        "start": start,
        "calls": stats.calls,
        "errors": stats.errors,
        "lat_sum_ms": stats.latency.sum_ms,
        "lat_count": stats.latency.count,
        "client_sum_ms": stats.client.sum_ms,
        "client_count": stats.client.count,
        "server_sum_ms": stats.server.sum_ms,
        "server_count": stats.server.count,
        **dict(zip(HISTOGRAM_COLUMNS, stats.latency.histogram, strict=True)),
    }


def service_row(stats: ServiceStats, resolution: int, start: int) -> dict[str, Any]:
    """The `service_buckets` row of one service's statistics in one bucket."""
    return {
        "service": stats.service,
        "resolution": resolution,
        "start": start,
        "requests": stats.requests,
        "errors": stats.errors,
        "lat_sum_ms": stats.latency.sum_ms,
        "lat_count": stats.latency.count,
        **dict(zip(HISTOGRAM_COLUMNS, stats.latency.histogram, strict=True)),
    }


def edge_stats(parent: str, child: str, kind: str | None, values: Sequence[Any]) -> EdgeStats:
    """Edge statistics from the `EDGE_VALUES` of a row (the sides keep no histogram)."""
    return EdgeStats(
        parent,
        child,
        calls=values[0],
        errors=values[1],
        latency=Latency(list(values[8:]), values[2], values[3]),
        client=Latency([0] * HISTOGRAM_SIZE, values[4], values[5]),
        server=Latency([0] * HISTOGRAM_SIZE, values[6], values[7]),
        child_kind=KINDS.get(kind),
    )


def service_stats(service: str, values: Sequence[Any]) -> ServiceStats:
    """Service statistics from the `SERVICE_VALUES` of a row."""
    return ServiceStats(
        service,
        requests=values[0],
        errors=values[1],
        latency=Latency(list(values[4:]), values[2], values[3]),
    )
