"""Put together an incident snapshot from the map and the stored buckets around a moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca.series import (
    STEP,
    EdgePoints,
    ServicePoints,
    edge_key,
    edge_series,
    served_series,
    steps,
)
from topology.rca.snapshot import Series, Snapshot, SnapshotEdge, SnapshotService, Symptom, Window


def incident_windows(at: int, incident_s: int, baseline_s: int) -> tuple[Window, Window]:
    """The baseline and incident windows of buckets around `at`, baseline first.

    The incident is the buckets starting in [at - incident_s, at], and the bucket the
    incident starts in too when most of it lies after that start; the baseline the
    `baseline_s` seconds before it, ending a second before the incident starts, so that
    no bucket is in both.
    """
    start = (at - incident_s + STEP // 2) // STEP * STEP
    return Window(start - baseline_s, start - 1), Window(start, at)


def assemble_for_ranking(
    graph: ServiceGraph,
    catalog: Catalog,
    symptom: Symptom,
    *,
    windows: tuple[Window, Window],
    services: Mapping[str, ServicePoints],
    incoming: Mapping[str, ServicePoints],
) -> Snapshot:
    """The snapshot of `graph` and the services' series over both windows, for ranking.

    The edges' series, which `rank` does not read, are left out.

    `incoming` holds the calls into each node summed bucket by bucket (the series of a
    node that served nothing); `with_edge_series` adds the edges' series later.
    """
    by_service = served_series(services, incoming, window_times(windows))
    return _snapshot(graph, catalog, symptom, windows, (by_service, {}))


def snapshot_of(
    graph: ServiceGraph,
    catalog: Catalog,
    symptom: Symptom,
    windows: tuple[Window, Window],
    *,
    series: dict[str, Series],
    edge_series: dict[str, Series],
    logs: dict[str, Series],
    metrics: dict[str, Series],
) -> Snapshot:
    """The snapshot of `graph` with series already made of the buckets of both windows."""
    snapshot = _snapshot(graph, catalog, symptom, windows, (series, edge_series))
    return replace(snapshot, logs=logs, metrics=metrics)


def with_edge_series(snapshot: Snapshot, edges: Mapping[tuple[str, str], EdgePoints]) -> Snapshot:
    """`snapshot` with the series of `edges` over its windows."""
    times = window_times((snapshot.baseline, snapshot.incident))
    by_edge = {
        edge_key(parent, child): edge_series(points, times)
        for (parent, child), points in edges.items()
    }
    return replace(snapshot, edge_series=dict(sorted(by_edge.items())))


def window_times(windows: tuple[Window, Window]) -> tuple[int, ...]:
    """The steps of series over both windows: every minute from the first start to the last end."""
    baseline, incident = windows
    return steps(min(baseline.start, incident.start), max(baseline.end, incident.end))


def _snapshot(
    graph: ServiceGraph,
    catalog: Catalog,
    symptom: Symptom,
    windows: tuple[Window, Window],
    series: tuple[dict[str, Series], dict[str, Series]],
) -> Snapshot:
    baseline, incident = windows
    by_service, by_edge = series
    return Snapshot(
        baseline=baseline,
        incident=incident,
        services=tuple(
            SnapshotService(name, catalog.owner_name(name), graph.node(name).virtual)
            for name in graph.names()
        ),
        edges=tuple(
            SnapshotEdge(e.parent, e.child, e.child_kind.value if e.child_kind else None)
            for e in graph.edges()
        ),
        series=by_service,
        symptom=symptom,
        edge_series=by_edge,
    )
