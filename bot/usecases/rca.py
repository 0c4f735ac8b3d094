"""Rank root causes from an incident snapshot, read from a file or gathered from the store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.bootstrap import App
from bot.commands import INCIDENT_BASELINE_S, INCIDENT_WINDOW_S
from bot.usecases.asking import load_graph
from bot.usecases.windows import Window as StoreWindow
from topology.errors import SnapshotError, UsageError
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca import Ranking, Snapshot, load_snapshot, rank
from topology.rca.assemble import assemble_for_ranking, incident_windows, with_edge_series
from topology.rca.snapshot import Symptom, Window
from topology.store import Store
from topology.store.repository import ServiceSeries
from topology.timespec import format_time


def rank_snapshot_file(path: Path, symptom: str) -> Ranking:
    """Rank the root-cause candidates for `symptom` from the snapshot at `path`."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SnapshotError(f"{path}: cannot read it: {error.strerror}") from None
    return rank(load_snapshot(data, source=str(path)), symptom)


def build_snapshot(
    store: Store,
    catalog: Catalog,
    *,
    symptom: str,
    metric: str | None,
    at: int,
    incident_s: int,
    baseline_s: int,
) -> Snapshot:
    """The snapshot around `at`: the map and the series of the baseline and incident windows.

    The symptom's service is resolved against the map, so a misspelt name is refused with
    suggestions; a window with nothing stored in it is refused too.
    """
    _, snapshot = gather_for_ranking(
        store,
        catalog,
        symptom=symptom,
        metric=metric,
        at=at,
        incident_s=incident_s,
        baseline_s=baseline_s,
    )
    return add_edge_series(store, snapshot)


def gather_for_ranking(
    store: Store,
    catalog: Catalog,
    *,
    symptom: str,
    metric: str | None,
    at: int,
    incident_s: int,
    baseline_s: int,
    lean: bool = False,
) -> tuple[ServiceGraph, Snapshot]:
    """The map around `at`, and the snapshot of all that `rank` reads.

    Health and edge series, and the logs and metrics of the symptom's service and its
    downstream. `lean` keeps only the series of the edges `rank` reads, those into or out
    of the symptom's downstream (`with_every_edge` adds the others).
    """
    baseline, incident = incident_windows(at, incident_s, baseline_s)
    span = StoreWindow(int(baseline.start), int(incident.end) + 1)
    graph = load_graph(store, span)
    service = graph.resolve(symptom)
    services = store.service_series(span.start, span.end)
    incoming = store.incoming_series(span.start, span.end)
    _require_data(store, services, incoming, incident, "incident")
    _require_data(store, services, incoming, baseline, "baseline")
    snapshot = assemble_for_ranking(
        graph,
        catalog,
        Symptom(service, metric, at=at),
        windows=(baseline, incident),
        services=services,
        incoming=incoming,
    )
    names = _downstream(graph, service)
    first, last = int(baseline.start), int(incident.end)
    snapshot = replace(
        snapshot,
        logs=store.log_series(names, first, last),
        metrics=store.metric_series(names, first, last),
    )
    return graph, _with_edges(store, snapshot, touching=frozenset(names) if lean else None)


def _downstream(graph: ServiceGraph, service: str) -> list[str]:
    """`service` and everything it calls, transitively."""
    order = [service]
    seen = {service}
    for name in order:
        for callee in graph.callees(name):
            if callee not in seen:
                seen.add(callee)
                order.append(callee)
    return order


def add_edge_series(store: Store, snapshot: Snapshot) -> Snapshot:
    """`snapshot` with the series of every edge over its windows, read from `store` if need be."""
    return snapshot if snapshot.edge_series else _with_edges(store, snapshot)


def with_every_edge(store: Store, snapshot: Snapshot) -> Snapshot:
    """`snapshot` with the series of every edge over its windows, read from `store`."""
    return _with_edges(store, snapshot)


def _with_edges(
    store: Store, snapshot: Snapshot, touching: frozenset[str] | None = None
) -> Snapshot:
    edges = store.edge_series(int(snapshot.baseline.start), int(snapshot.incident.end) + 1)
    if touching is not None:
        edges = {key: points for key, points in edges.items() if touching.intersection(key)}
    return with_edge_series(snapshot, edges)


def incident_times(
    app: App, at: int | None, window: int | None, baseline: int | None
) -> tuple[int, int, int]:
    """When the symptom was seen, and the incident and baseline lengths, defaults filled in."""
    return (
        app.now() if at is None else at,
        window or INCIDENT_WINDOW_S,
        baseline or INCIDENT_BASELINE_S,
    )


def rank_from_store(app: App, symptom: str, at: int, window: int, baseline: int) -> Ranking:
    """Rank the root-cause candidates for `symptom` in the `window` seconds up to `at`."""
    _, snapshot = gather_for_ranking(
        app.store,
        app.catalog,
        symptom=symptom,
        metric=None,
        at=at,
        incident_s=window,
        baseline_s=baseline,
    )
    return rank(snapshot, symptom)


def _require_data(
    store: Store,
    services: ServiceSeries,
    incoming: ServiceSeries,
    window: Window,
    name: str,
) -> None:
    """Refuse a window in which nothing at all is stored: it has no evidence to rank."""
    if any(window.holds(t) for points in services.values() for t, _ in points):
        return
    if any(window.holds(t) for points in incoming.values() for t, _ in points):
        return
    start, end = int(window.start), int(window.end) + 1
    # Calls into a service seen serving only outside the window, or a service calling itself.
    if store.edges(start, end):
        return
    stored = store.time_range()
    held = (
        f"the store holds {format_time(stored[0])} .. {format_time(stored[1])}"
        if stored
        else "the store is empty"
    )
    shown = f"{format_time(int(window.start))} .. {format_time(int(window.end))}"
    raise UsageError(f"nothing is stored in the {name} window, {shown}; {held}")
