"""Cut a snapshot down to its symptom's neighbourhood: what ranking reads, and the blast radius.

Kept: the map of the symptom's service, its downstream (the candidates ranking walks, all
of them) and its upstream (the services it would take down), with every call into a
candidate; the series ranking reads (`topology.rca.needs`: the candidates with evidence,
the symptom, the callers whose logs may name them, the calls around a grown gap), always;
then the series of the nearest others, downstream first then upstream, while the services
with series number at most a cap and the written snapshot stays within a size: each
candidate among them with the series of every call it makes (its own time is its time
less its calls'), and the calls between two kept services. What was left out is counted:
the services and edges not in the snapshot at all, and the services of the neighbourhood
whose series were left out (`beyond_cap`). Ranking the cut snapshot finds what ranking
the whole one does, cap or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from topology.rca.dump import dump_snapshot
from topology.rca.edges import edge_parts
from topology.rca.needs import ranking_needs
from topology.rca.ranking import QUIET_THRESHOLD
from topology.rca.series import edge_key
from topology.rca.snapshot import Series, Snapshot

SNAPSHOT_SERVICES = 500
"""The most services whose series a snapshot saved with an incident keeps.

Those ranking reads are kept past it.
"""
SNAPSHOT_BYTES = 5_000_000
"""The most bytes the written snapshot takes with the series of the nearest services.

What ranking reads is kept past it.
"""

_NOTE_ROOM = 64
"""Bytes kept for `omitted` to grow by as series are left out (its counts' digits)."""
_BETWEEN = ",\n"
"""What separates two entries of an object written (`dump_snapshot`)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What a snapshot cut around its symptom keeps."""

    around: frozenset[str]
    """The symptom's service, its downstream and its upstream."""
    candidates: frozenset[str]
    """The symptom's service and its downstream."""
    needed: tuple[str, ...]
    """The services whose series, logs and metrics ranking reads."""
    nearest: tuple[str, ...]
    """The others whose series are kept while they fit, nearest first."""
    edges: frozenset[str]
    """The edge series ranking reads."""

    @property
    def series(self) -> tuple[str, ...]:
        """The services whose series may be kept: those ranking reads first."""
        return (*self.needed, *self.nearest)


def scope_of(
    snapshot: Snapshot, *, cap: int = SNAPSHOT_SERVICES, threshold: float = QUIET_THRESHOLD
) -> Scope | None:
    """What `around_symptom` keeps of `snapshot`; None when it keeps all (no symptom)."""
    if snapshot.symptom is None:
        return None
    callees: dict[str, list[str]] = {}
    callers: dict[str, list[str]] = {}
    for edge in snapshot.edges:
        callees.setdefault(edge.parent, []).append(edge.child)
        callers.setdefault(edge.child, []).append(edge.parent)
    downstream = _reach(callees, snapshot.symptom.service)
    upstream = [
        name for name in _reach(callers, snapshot.symptom.service) if name not in downstream
    ]
    needs = ranking_needs(snapshot, list(downstream), callers, threshold)
    others = (name for name in (*downstream, *upstream) if name not in needs.services)
    room = max(0, cap - len(needs.services))
    return Scope(
        around=frozenset(downstream).union(upstream),
        candidates=frozenset(downstream),
        needed=tuple(sorted(needs.services)),
        nearest=tuple(name for _, name in zip(range(room), others, strict=False)),
        edges=needs.edges,
    )


def around_symptom(
    snapshot: Snapshot,
    *,
    cap: int = SNAPSHOT_SERVICES,
    size: int = SNAPSHOT_BYTES,
    threshold: float = QUIET_THRESHOLD,
) -> Snapshot:
    """`snapshot` cut down to its symptom's downstream and upstream (`scope_of`)."""
    scope = scope_of(snapshot, cap=cap, threshold=threshold)
    return snapshot if scope is None else cut_to(snapshot, scope, size=size)


def cut_to(snapshot: Snapshot, scope: Scope, *, size: int = SNAPSHOT_BYTES) -> Snapshot:
    """`snapshot` holding what `scope` keeps, the nearest series while within `size` bytes.

    And the count of what it left out.
    """
    kept = set(scope.needed)
    calls = _calls_of(snapshot)
    edge_keys = set(scope.edges)
    for name in kept:
        edge_keys.update(_calls_kept(name, calls, kept, scope))
    room = size - len(dump_snapshot(_cut(snapshot, scope, kept, edge_keys))) - _NOTE_ROOM
    empty = _size_of(snapshot, None, set())
    for name in scope.nearest:
        more = _calls_kept(name, calls, kept, scope) - edge_keys
        room -= _size_of(snapshot, name, more) - empty
        if room < 0:
            break
        kept.add(name)
        edge_keys |= more
    return _cut(snapshot, scope, kept, edge_keys)


def _cut(snapshot: Snapshot, scope: Scope, kept: set[str], edge_keys: set[str]) -> Snapshot:
    """`snapshot` with the series of `kept` and `edge_keys`, on the map of `scope`."""
    edges = tuple(
        e
        for e in snapshot.edges
        if e.parent in scope.candidates
        or e.child in scope.candidates
        or (e.parent in scope.around and e.child in scope.around)
        or edge_key(e.parent, e.child) in edge_keys
    )
    named = set(scope.around) | {name for e in edges for name in (e.parent, e.child)}
    named.update(name for key in edge_keys for name in edge_parts(key))
    every = {s.name for s in snapshot.services} | set(snapshot.series)
    every.update(name for e in snapshot.edges for name in (e.parent, e.child))
    watched = set(snapshot.series) | set(snapshot.logs) | set(snapshot.metrics)
    left = {
        "services": len(every - named),
        "edges": len(snapshot.edges) - len(edges),
        "beyond_cap": len((watched & scope.around) - kept),
    }
    return replace(
        snapshot,
        services=tuple(s for s in snapshot.services if s.name in named),
        edges=edges,
        series=_only(snapshot.series, kept),
        edge_series=_only(snapshot.edge_series, edge_keys),
        logs=_only(snapshot.logs, kept),
        metrics=_only(snapshot.metrics, kept),
        omitted={key: count for key, count in left.items() if count},
    )


def _calls_of(snapshot: Snapshot) -> dict[str, list[tuple[str, str, str]]]:
    """Per service, the edge series it is a side of: (key, parent, child)."""
    calls: dict[str, list[tuple[str, str, str]]] = {}
    for key in snapshot.edge_series:
        parent, child = edge_parts(key)
        calls.setdefault(parent, []).append((key, parent, child))
        if child != parent:
            calls.setdefault(child, []).append((key, parent, child))
    return calls


def _calls_kept(
    name: str, calls: Mapping[str, list[tuple[str, str, str]]], kept: set[str], scope: Scope
) -> set[str]:
    """The edge series kept with `name`'s series.

    Every call a candidate makes (its own time reads them all), and the calls between it
    and another kept service.
    """
    candidate = name in scope.candidates
    return {
        key
        for key, parent, child in calls.get(name, ())
        if (candidate and parent == name) or {parent, child} - {name} <= kept
    }


def _size_of(snapshot: Snapshot, name: str | None, edge_keys: set[str]) -> int:
    """The bytes of `name`'s series, logs and metrics and of `edge_keys`' series, written.

    Alone in an otherwise empty snapshot, and the separator each entry takes among others:
    `name` None gives what that adds.
    """
    names = set() if name is None else {name}
    alone = replace(
        snapshot,
        services=(),
        edges=(),
        series=_only(snapshot.series, names),
        edge_series=_only(snapshot.edge_series, edge_keys),
        logs=_only(snapshot.logs, names),
        metrics=_only(snapshot.metrics, names),
        omitted={},
    )
    entries = len(alone.series) + len(alone.edge_series) + len(alone.logs) + len(alone.metrics)
    return len(dump_snapshot(alone)) + len(_BETWEEN) * entries


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
