"""Rank root causes from an incident snapshot, read from a file or gathered from the store."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.commands import INCIDENT_BASELINE_S, INCIDENT_WINDOW_S
from bot.usecases.map_questions import Asking, load_graph
from bot.usecases.ranking_inputs import WindowInputs, health_of
from bot.usecases.windows import Window as StoreWindow
from topology.errors import SnapshotError, UsageError
from topology.gcpause import paused_gc
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca import Ranking, Snapshot, load_snapshot, rank
from topology.rca.assemble import (
    assemble_for_ranking,
    incident_windows,
    window_times,
    with_edge_series,
)
from topology.rca.scope import cut_to, scope_of
from topology.rca.series import TOGETHER_FROM
from topology.rca.snapshot import Symptom, Window
from topology.timespec import format_time

if TYPE_CHECKING:
    from bot.adapters.store import Store
    from bot.adapters.store.ports import MapStore, SeriesStore


def rank_snapshot_file(path: Path, symptom: str) -> Ranking:
    """Rank the root-cause candidates for `symptom` from the snapshot at `path`."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SnapshotError(f"{path}: cannot read it: {error.strerror}") from None
    return rank(load_snapshot(data, source=str(path)), symptom)


def build_snapshot(
    store: SeriesStore,
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
    store: SeriesStore,
    catalog: Catalog,
    *,
    symptom: str,
    metric: str | None,
    at: int,
    incident_s: int,
    baseline_s: int,
) -> tuple[ServiceGraph, Snapshot]:
    """The map around `at`, and the snapshot of all that `rank` reads.

    Health and edge series, and the logs and metrics of the symptom's service and its
    downstream.
    """
    windows = incident_windows(at, incident_s, baseline_s)
    baseline, incident = windows
    first, last = int(baseline.start), int(incident.end)
    span = StoreWindow(first, last + 1)
    graph = load_graph(store, span)
    service = graph.resolve(symptom)
    _require_data(store, incident, "incident")
    _require_data(store, baseline, "baseline")
    snapshot = assemble_for_ranking(
        graph,
        catalog,
        Symptom(service, metric, at=at),
        windows=windows,
        services=store.service_series(span.start, span.end),
        incoming=store.incoming_series(span.start, span.end),
    )
    names = _downstream(graph, service)
    snapshot = replace(
        snapshot,
        logs=store.log_series(names, first, last),
        metrics=store.metric_series(names, first, last),
    )
    return graph, _with_edges(store, snapshot)


def lean_snapshot(
    store: SeriesStore,
    inputs: WindowInputs,
    catalog: Catalog,
    windows: tuple[Window, Window],
    symptom_at: tuple[str, str | None, int],
) -> Snapshot:
    """The snapshot `rank` reads for a symptom (service, metric, when) from `inputs`.

    What `inputs` lack is read first.
    """
    symptom, metric, at = symptom_at
    service = inputs.graph.resolve(symptom)
    baseline, incident = windows
    _require_data(store, incident, "incident")
    _require_data(store, baseline, "baseline")
    candidates = _downstream(inputs.graph, service)
    return inputs.snapshot(store, catalog, Symptom(service, metric, at=at), windows, candidates)


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


def add_edge_series(store: SeriesStore, snapshot: Snapshot) -> Snapshot:
    """`snapshot` with the series of every edge over its windows, read from `store` if need be."""
    return snapshot if snapshot.edge_series else _with_edges(store, snapshot)


def with_every_edge(store: Store, snapshot: Snapshot) -> Snapshot:
    """`snapshot` with the series of every service and edge over its windows, from `store`.

    A lean snapshot (`gather_for_ranking`) completed, as if it had not been lean.
    """
    return with_series_of(store, snapshot, None)


def with_series_of(store: Store, snapshot: Snapshot, names: Collection[str] | None) -> Snapshot:
    """`snapshot` with the health series of `names` (None: every node) it lacks.

    And the series of every edge into or out of them, in full, in place of those it has.
    """
    start, end = int(snapshot.baseline.start), int(snapshot.incident.end) + 1
    lacking = None if names is None else [name for name in names if name not in snapshot.series]
    series = dict(snapshot.series)
    if lacking != []:
        series.update(health_of(store, start, end, lacking))
    snapshot = replace(snapshot, series=dict(sorted(series.items())))
    times = window_times((snapshot.baseline, snapshot.incident))
    if _edges_of(snapshot, names) * len(times) >= TOGETHER_FROM:
        minutes = store.edge_minutes(start, end, touching=names)
        if minutes is not None:  # a large read, as columns (`WindowInputs.read_for`)
            from topology.rca import minute_columns  # noqa: PLC0415 - loads numpy

            edge_series = minute_columns.edge_series_of_minutes(minutes, times)
            return replace(snapshot, edge_series=edge_series)
    return with_edge_series(snapshot, store.edge_series(start, end, touching=names))


def _edges_of(snapshot: Snapshot, names: Collection[str] | None) -> int:
    """How many edges of `snapshot` go into or out of `names` (None: every node)."""
    if names is None:
        return len(snapshot.edges)
    wanted = set(names)
    return sum(1 for edge in snapshot.edges if edge.parent in wanted or edge.child in wanted)


def incident_snapshot(store: Store, snapshot: Snapshot, cap: int, size: int) -> Snapshot:
    """`snapshot` (as ranked, lean or whole) cut to its symptom's neighbourhood, to be saved.

    What ranking read stays (`scope_of`); the series of the nearest others, up to `cap`
    services with series and `size` bytes written, are read from `store` where `snapshot`
    lacks them.
    """
    scope = scope_of(snapshot, cap=cap)
    if scope is None:
        return with_every_edge(store, snapshot)
    return cut_to(with_series_of(store, snapshot, scope.series), scope, size=size)


def _with_edges(store: SeriesStore, snapshot: Snapshot) -> Snapshot:
    edges = store.edge_series(int(snapshot.baseline.start), int(snapshot.incident.end) + 1)
    return with_edge_series(snapshot, edges)


class Ranker(Asking, Protocol):
    """What ranks from the store: what a map question reads, with the series of the map."""

    @property
    def store(self) -> SeriesStore:
        """The map and its series."""
        ...


def incident_times(
    reads: Ranker, at: int | None, window: int | None, baseline: int | None
) -> tuple[int, int, int]:
    """When the symptom was seen, and the incident and baseline lengths, defaults filled in."""
    return (
        reads.now() if at is None else at,
        window or INCIDENT_WINDOW_S,
        baseline or INCIDENT_BASELINE_S,
    )


def rank_from_store(reads: Ranker, symptom: str, at: int, window: int, baseline: int) -> Ranking:
    """Rank the root-cause candidates for `symptom` in the `window` seconds up to `at`.

    `symptom` is named as a question names it: redacted here as the map's names are.
    Only what ranking reads is read, as for an alert (`lean_snapshot`): the series of the
    symptom's service and its downstream, and of the calls into or out of them.
    """
    symptom = reads.redaction.name(symptom)
    windows = incident_windows(at, window, baseline)
    with paused_gc():  # a large map's series are millions of objects, and no cycles
        start, end = int(windows[0].start), int(windows[1].end) + 1
        inputs = WindowInputs.of(reads.store, start, end)
        snapshot = lean_snapshot(reads.store, inputs, reads.catalog, windows, (symptom, None, at))
    return rank(snapshot, snapshot.symptom.service if snapshot.symptom else symptom)


def _require_data(store: MapStore, window: Window, name: str) -> None:
    """Refuse a window in which nothing at all is stored: it has no evidence to rank."""
    start, end = int(window.start), int(window.end) + 1
    if store.holds_buckets(start, end):
        return
    stored = store.time_range()
    held = (
        f"the store holds {format_time(stored[0])} .. {format_time(stored[1])}"
        if stored
        else "the store is empty"
    )
    shown = f"{format_time(int(window.start))} .. {format_time(int(window.end))}"
    raise UsageError(f"nothing is stored in the {name} window, {shown}; {held}")
