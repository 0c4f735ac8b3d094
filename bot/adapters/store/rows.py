"""Statistics turned into table rows and back."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from operator import add, itemgetter
from typing import Any, cast

from bot.adapters.store.columns import HISTOGRAM_COLUMNS
from topology.model import NodeKind
from topology.stats import (
    HISTOGRAM_SIZE,
    TIMING_VALUES,
    EdgeStats,
    EdgeTiming,
    Latency,
    ServiceStats,
)

EDGE_VALUES: tuple[str, ...] = (
    TIMING_VALUES[0],  # the calls
    "errors",
    *TIMING_VALUES[1:],  # the latency, then the client and server sides: sums and counts
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

INCOMING_VALUES: tuple[str, ...] = (
    "calls",
    "errors",
    "lat_sum_ms",
    "lat_count",
    *HISTOGRAM_COLUMNS,
)
"""The `edge_buckets` columns a callee's own series can be made of, as `SERVICE_VALUES`."""

CALL_VALUES: tuple[str, ...] = ("calls", "errors")
"""What `edge_call_sums` sums: the edges' calls and errors, no latency."""

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


def edge_counts(parent: str, child: str, kind: str | None, calls: int, errors: int) -> EdgeStats:
    """Edge statistics with only calls and errors (an `edge_call_sums` row)."""
    return EdgeStats(parent, child, calls=calls, errors=errors, child_kind=KINDS.get(kind))


def edge_pair(parent: str, child: str, kind: str | None) -> EdgeStats:
    """An edge with its callee's kind alone, nothing summed (an `edge_pairs` row)."""
    return EdgeStats(parent, child, child_kind=KINDS.get(kind))


def pairs_of(edges: Iterable[EdgeStats]) -> list[EdgeStats]:
    """`edges` with their callees' kinds alone, nothing summed: who calls whom."""
    return [EdgeStats(edge.parent, edge.child, child_kind=edge.child_kind) for edge in edges]


def service_stats(service: str, values: Sequence[Any]) -> ServiceStats:
    """Service statistics from the `SERVICE_VALUES` of a row."""
    return ServiceStats(
        service,
        requests=values[0],
        errors=values[1],
        latency=Latency(list(values[4:]), values[2], values[3]),
    )


def in_time_order(
    series: dict[str, list[tuple[int, ServiceStats]]],
) -> dict[str, list[tuple[int, ServiceStats]]]:
    """`series` by name, each in time order: as a read ordered by name and start gives it."""
    return {name: sorted(series[name], key=_FIRST) for name in sorted(series)}


_FIRST = itemgetter(0)


def timings_in_order(
    timings: dict[tuple[str, str], list[EdgeTiming]],
) -> dict[tuple[str, str], list[EdgeTiming]]:
    """`timings` by edge, each in time order: as a read ordered by edge and start gives it."""
    return {key: sorted(timings[key], key=_FIRST) for key in sorted(timings)}


def incoming_series(
    buckets: Iterable[Sequence[Any]],
) -> dict[str, list[tuple[int, ServiceStats]]]:
    """Per callee, its `incoming_buckets_in` rows summed per start, as served requests.

    The latency sums are added caller by caller, each caller's tiers first, as the sums of
    `edge_buckets_in` merged in its order would be: floating-point sums depend on order.
    """
    series: dict[str, list[tuple[int, ServiceStats]]] = {}
    last: tuple[str, int, str] | None = None
    into = ServiceStats("")
    caller_ms = 0.0
    for child, start, parent, calls, errors, lat_sum, lat_count, *histogram in buckets:
        if last is not None and last[0] == child and last[1] == start:
            if parent == last[2]:
                caller_ms += lat_sum
            else:
                into.latency.sum_ms += caller_ms
                caller_ms = lat_sum
            into.requests += calls
            into.errors += errors
            into.latency.count += lat_count
            into.latency.histogram = list(map(add, into.latency.histogram, histogram))
        else:
            into.latency.sum_ms += caller_ms
            into = ServiceStats(child, calls, errors, Latency(histogram, 0.0, lat_count))
            caller_ms = lat_sum
            series.setdefault(child, []).append((start, into))
        last = (child, start, parent)
    into.latency.sum_ms += caller_ms
    return series


def timings_and_incoming(
    found: Mapping[tuple[str, str], Sequence[Sequence[Any]]],
    touching: Collection[str] | None,
    served: Collection[str],
) -> tuple[dict[tuple[str, str], list[EdgeTiming]], dict[str, list[tuple[int, ServiceStats]]]]:
    """`calls_around` from the `edge_minutes_in` rows of each edge, in the orders it reads.

    Per edge, its timings minute by minute; per node of `touching` (None: any) that is not
    in `served`, the calls into it as the requests it served, summed minute by minute.
    """
    wanted = None if touching is None else set(touching)
    skipped = set(served)
    timings: dict[tuple[str, str], list[EdgeTiming]] = {}
    into: dict[str, dict[int, ServiceStats]] = {}
    for (parent, child), unordered in sorted(found.items()):  # callers in order: sums are
        points = sorted(unordered, key=_START)  # added in it, as `incoming_series` adds them
        timings[parent, child] = cast("list[EdgeTiming]", list(map(_TIMING, points)))
        if parent != child and child not in skipped and (wanted is None or child in wanted):
            by_start = into.setdefault(child, {})
            for row in points:  # one caller's minute bucket: requests `child` served then
                stats = by_start.get(row[2])
                if stats is None:
                    latency = Latency(list(row[11:]), 0.0 + row[5], row[6])
                    by_start[row[2]] = ServiceStats(child, row[3], row[4], latency)
                    continue
                stats.requests += row[3]
                stats.errors += row[4]
                stats.latency.sum_ms += row[5]
                stats.latency.count += row[6]
                stats.latency.histogram = list(map(add, stats.latency.histogram, row[11:]))
    incoming = {child: sorted(by_start.items()) for child, by_start in sorted(into.items())}
    return timings, incoming


_START = itemgetter(2)
_TIMING = itemgetter(2, 3, 5, 6, 7, 8, 9, 10)
"""An `edge_minutes_in` row's `EdgeTiming`."""
