"""A snapshot made of every service's and every edge's series at once: the reference.

svcmap itself assembles a snapshot in two steps, the services' series for ranking
(`assemble_for_ranking`) and the edges' later (`with_edge_series`); tests hold what those
steps give to this, made the plain way from the same buckets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca.assemble import snapshot_of
from topology.rca.series import (
    EdgePoints,
    ServicePoints,
    edge_key,
    edge_series,
    service_series,
    steps,
)
from topology.rca.snapshot import Series, Snapshot, Symptom, Window
from topology.stats import EdgeStats, ServiceStats


def assemble_snapshot(
    graph: ServiceGraph,
    catalog: Catalog,
    symptom: Symptom,
    *,
    windows: tuple[Window, Window],
    services: Mapping[str, ServicePoints],
    edges: Mapping[tuple[str, str], EdgePoints],
) -> Snapshot:
    """The snapshot of `graph` and the series of `services` and `edges` over both windows."""
    baseline, incident = windows
    times = steps(min(baseline.start, incident.start), max(baseline.end, incident.end))
    by_service, by_edge = health_series(services, edges, times)
    return snapshot_of(
        graph,
        catalog,
        symptom,
        windows,
        series=by_service,
        edge_series=by_edge,
        logs={},
        metrics={},
    )


def health_series(
    services: Mapping[str, ServicePoints],
    edges: Mapping[tuple[str, str], EdgePoints],
    times: Sequence[int],
) -> tuple[dict[str, Series], dict[str, Series]]:
    """The series of every service and of every edge, each `parent->child`.

    Nodes that served nothing get theirs from the calls into them.
    """
    by_service = {name: service_series(points, times) for name, points in services.items()}
    into: dict[str, list[EdgePoints]] = {}
    for (parent, child), points in edges.items():
        if parent != child and child not in services:
            into.setdefault(child, []).append(points)
    for name, incoming in into.items():
        by_service[name] = virtual_series(incoming, times)
    by_edge = {
        edge_key(parent, child): edge_series(points, times)
        for (parent, child), points in edges.items()
    }
    return dict(sorted(by_service.items())), dict(sorted(by_edge.items()))


def virtual_series(edges_in: Iterable[EdgePoints], times: Sequence[int]) -> Series:
    """A node's health as its callers saw it: the calls into it summed bucket by bucket."""
    merged: dict[int, EdgeStats] = {}
    for points in edges_in:
        for t, stats in points:
            into = merged.setdefault(t, EdgeStats(stats.parent, stats.child))
            into.merge(stats)
    served = [(t, ServiceStats(e.child, e.calls, e.errors, e.latency)) for t, e in merged.items()]
    return service_series(served, times)
