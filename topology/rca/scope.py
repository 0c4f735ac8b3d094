"""Cut a snapshot down to its symptom's neighbourhood: what ranking reads, and the blast radius.

Kept: the symptom's service and its downstream (the candidates ranking looks at), then its
upstream (the services it would take down), nearest first, up to a cap; the edges among
them and every call into a kept candidate (ranking weighs the time between the sides of
a candidate's calls against all its callers'), with the callers those calls come from
named; and the series of the kept services and edges. What was left out is counted: the
services and edges not in the snapshot at all, and the neighbours past the cap.
Ranking the cut snapshot finds what ranking the whole one does while the candidates fit
under the cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from topology.rca.series import edge_key
from topology.rca.snapshot import Series, Snapshot

SNAPSHOT_SERVICES = 2_000
"""The most services whose series a snapshot saved with an incident keeps."""


def around_symptom(snapshot: Snapshot, *, cap: int = SNAPSHOT_SERVICES) -> Snapshot:
    """`snapshot` cut down to its symptom's downstream and upstream, at most `cap` of them."""
    if snapshot.symptom is None:
        return snapshot
    downstream, around = _around(snapshot, snapshot.symptom.service)
    kept = set(around[:cap])
    candidates = kept.intersection(downstream)
    edges = tuple(e for e in snapshot.edges if e.child in candidates or {e.parent, e.child} <= kept)
    named = kept | {e.parent for e in edges}
    services = tuple(s for s in snapshot.services if s.name in named)
    keys = {edge_key(e.parent, e.child) for e in edges}
    every = {s.name for s in snapshot.services} | set(snapshot.series)
    every.update(name for e in snapshot.edges for name in (e.parent, e.child))
    left = {"services": len(every - named), "edges": len(snapshot.edges) - len(edges)}
    if len(around) > cap:
        left["beyond_cap"] = len(around) - cap
    return replace(
        snapshot,
        services=services,
        edges=edges,
        series=_only(snapshot.series, kept),
        edge_series=_only(snapshot.edge_series, keys),
        logs=_only(snapshot.logs, kept),
        metrics=_only(snapshot.metrics, kept),
        omitted=left if any(left.values()) else {},
    )


def kept_around(snapshot: Snapshot, *, cap: int = SNAPSHOT_SERVICES) -> list[str] | None:
    """The services `around_symptom` keeps the series of; None when it keeps every one."""
    if snapshot.symptom is None:
        return None
    return _around(snapshot, snapshot.symptom.service)[1][:cap]


def _around(snapshot: Snapshot, start: str) -> tuple[dict[str, None], list[str]]:
    """`start`'s downstream, and its downstream then upstream, each nearest first."""
    callees: dict[str, list[str]] = {}
    callers: dict[str, list[str]] = {}
    for edge in snapshot.edges:
        callees.setdefault(edge.parent, []).append(edge.child)
        callers.setdefault(edge.child, []).append(edge.parent)
    downstream = _reach(callees, start)
    upstream = [name for name in _reach(callers, start) if name not in downstream]
    return downstream, [*downstream, *upstream]


def _reach(succ: Mapping[str, Iterable[str]], start: str) -> dict[str, None]:
    """`start` and all it reaches through `succ`, in breadth-first order."""
    order = {start: None}
    frontier = [start]
    for name in frontier:
        for other in succ.get(name, ()):
            if other not in order:
                order[other] = None
                frontier.append(other)
    return order


def _only(series: Mapping[str, Series], names: set[str]) -> dict[str, Series]:
    return {name: item for name, item in series.items() if name in names}
