"""Put together an incident snapshot from the map and the stored buckets around a moment."""

from __future__ import annotations

from collections.abc import Mapping

from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca.series import EdgePoints, ServicePoints, health_series, steps
from topology.rca.snapshot import Snapshot, SnapshotEdge, SnapshotService, Symptom, Window


def incident_windows(at: int, incident_s: int, baseline_s: int) -> tuple[Window, Window]:
    """The baseline and incident windows of buckets around `at`, baseline first.

    The incident is the buckets starting in [at - incident_s, at]; the baseline the
    `baseline_s` seconds before it, ending a second before the incident starts, so that
    no bucket is in both.
    """
    start = at - incident_s
    return Window(start - baseline_s, start - 1), Window(start, at)


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
