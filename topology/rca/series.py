"""Health series from stored buckets: per service and per edge, one step per minute.

Minutes without a bucket are filled in as no requests and unmeasured latency, so a
series has a value (or a null) at every step between the window's bounds. A node
that served nothing itself (a virtual peer, seen only by its callers) is given the
series of the calls into it, so that it can be scored like any service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from topology.rca.snapshot import Series
from topology.stats import EdgeStats, EdgeTiming, Latency, ServiceStats, quantiles

STEP = 60
"""Seconds between the steps of a series: the store's bucket size."""

QUANTILES = (
    ("latency_p50_ms", 0.5),
    ("latency_p90_ms", 0.9),
    ("latency_p95_ms", 0.95),
    ("latency_p99_ms", 0.99),
)
"""The latency percentiles a series carries, read off the histogram."""
DIGITS = 3
"""Decimal places kept in latencies: a microsecond is finer than any bucket tells."""
TOGETHER_FROM = 50_000
"""Buckets from which series are worked out together, in numpy (`many_series`): fewer
are worked out a minute at a time in less time than loading the array library takes."""

ServicePoints = Sequence[tuple[int, ServiceStats]]
EdgePoints = Sequence[tuple[int, EdgeStats]]
Health = tuple[int, int, Latency]
"""Requests (or calls), errors and the latency distribution of one bucket."""


def steps(start: float, end: float, step: int = STEP) -> tuple[int, ...]:
    """The bucket starts in [start, end] on the `step` grid, in time order."""
    first = -(-int(start) // step) * step
    return tuple(range(first, int(end) + 1, step))


def edge_key(parent: str, child: str) -> str:
    """The name of an edge's series: `parent->child`."""
    return f"{parent}->{child}"


def service_series(points: ServicePoints, times: Sequence[int]) -> Series:
    """A service's health at each of `times`, from its stored buckets."""
    return _series(times, {t: (s.requests, s.errors, s.latency) for t, s in points})


def edge_series(points: EdgePoints, times: Sequence[int]) -> Series:
    """An edge's health at each of `times`, plus `network_ms`: time between the two sides.

    The network time is the caller's average client-span time less the callee's average
    server-span time, where both were measured, and never below zero.
    """
    by_time = dict(points)
    series = _series(times, {t: (e.calls, e.errors, e.latency) for t, e in by_time.items()})
    network = tuple(_network_ms(by_time.get(t)) for t in times)
    return Series(series.t, {**series.metrics, "network_ms": network})


def timing_series(
    edges: Mapping[tuple[str, str], Sequence[EdgeTiming]], times: Sequence[int]
) -> dict[str, Series]:
    """Per edge, `parent->child`: its `requests`, `latency_avg_ms` and `network_ms` at `times`.

    The values `edge_series` gives under those keys, from the edge's timings alone: what
    ranking reads of an edge. Many edges' minutes are worked out together (`many_series`).
    """
    if sum(map(len, edges.values())) >= TOGETHER_FROM:
        from topology.rca.many_series import timings_of_many  # noqa: PLC0415 - numpy

        return dict(sorted(timings_of_many(edges, times).items()))
    shared = tuple(times)
    step_of = {t: step for step, t in enumerate(shared)}
    found = {}
    for (parent, child), points in edges.items():
        calls: list[float | None] = [0] * len(shared)
        average: list[float | None] = [None] * len(shared)
        network: list[float | None] = [None] * len(shared)
        for start, n, lat_ms, lat_n, client_ms, client_n, server_ms, server_n in points:
            step = step_of.get(start)
            if step is None:
                continue
            calls[step] = n
            average[step] = round(lat_ms / lat_n, DIGITS) if lat_n else None
            network[step] = (
                round(max(0.0, client_ms / client_n - server_ms / server_n), DIGITS)
                if client_n and server_n
                else None
            )
        metrics = {"requests": calls, "latency_avg_ms": average, "network_ms": network}
        found[edge_key(parent, child)] = Series(
            shared, {key: tuple(values) for key, values in metrics.items()}
        )
    return dict(sorted(found.items()))


def served_series(
    services: Mapping[str, ServicePoints],
    incoming: Mapping[str, ServicePoints],
    times: Sequence[int],
) -> dict[str, Series]:
    """The series of every service, and of every node that served nothing, without any edge's.

    `incoming` holds, per node, the calls into it summed bucket by bucket; it is used
    for the nodes that served nothing themselves. Many nodes' minutes are worked out
    together (`many_series`).
    """
    named = {name: points for name, points in incoming.items() if name not in services}
    named.update(services)
    if sum(map(len, named.values())) >= TOGETHER_FROM:
        from topology.rca.many_series import health_of_many  # noqa: PLC0415 - numpy

        found = health_of_many(times, list(named.values()))
    else:
        found = [service_series(points, times) for points in named.values()]
    return dict(sorted(zip(named, found, strict=True)))


def _series(times: Sequence[int], by_time: Mapping[int, Health]) -> Series:
    size = len(times)
    requests: list[float | None] = [0] * size
    errors: list[float | None] = [0] * size
    availability: list[float | None] = [None] * size
    average: list[float | None] = [None] * size
    percentiles: list[list[float | None]] = [[None] * size for _ in QUANTILES]
    for step, t in enumerate(times):
        found = by_time.get(t)
        if found is None:  # no bucket: no requests, nothing measured
            continue
        served, failed, latency = found
        requests[step], errors[step] = served, failed
        availability[step] = _availability(served, failed)
        count = latency.count
        if not count:
            continue
        average[step] = round(latency.sum_ms / count, DIGITS)
        wanted = _measurable(count)
        if not wanted:
            continue
        for column, value in zip(percentiles, quantiles(latency.histogram, wanted), strict=False):
            column[step] = None if value is None else round(value, DIGITS)
    columns = {
        "requests": requests,
        "errors": errors,
        "availability_pct": availability,
        "latency_avg_ms": average,
        **{key: column for (key, _), column in zip(QUANTILES, percentiles, strict=True)},
    }
    return Series(tuple(times), {key: tuple(values) for key, values in columns.items()})


@lru_cache(maxsize=1024)
def _measurable(count: int) -> tuple[float, ...]:
    """The quantiles a bucket of `count` calls tells: with a call above each.

    QUANTILES go up, so those it tells lead.
    """
    return tuple(q for _, q in QUANTILES if count * (1 - q) >= 1 - 1e-9)


def _availability(requests: int, errors: int) -> float | None:
    if requests <= 0:
        return None
    return round(100.0 * (1 - min(errors, requests) / requests), DIGITS)


def _network_ms(stats: EdgeStats | None) -> float | None:
    if stats is None:
        return None
    client, server = stats.client.avg_ms, stats.server.avg_ms
    if client is None or server is None:
        return None
    return round(max(0.0, client - server), DIGITS)
