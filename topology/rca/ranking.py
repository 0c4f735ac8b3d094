"""Rank root-cause candidates for a symptom: the symptom's service and its downstream.

A candidate is anomalous when any of its evidence clears the quiet threshold: its health
metrics, its own time, the time between the sides of its calls, its logs, its resource
metrics (`gather`). An anomalous candidate whose evidence its anomalous dependencies can
explain ranks after one whose cannot: slower or failing calls make their callers slow,
failing and logging errors, but a dependency explains a caller's latency or errors only
when its own excess on the same metric (milliseconds, errors, points of availability) is
at least half the caller's; less work coming in (fewer requests, fewer log lines, less
CPU) is explained by an anomalous caller, and so is the grown time between the sides of
its calls into a service when it sends late (`edges`). A service's own time, the time
around its calls and its own resources are its own. A virtual node (seen only by its
callers) shows no dependencies, so nothing clears it: it ranks between the two. Within a
tier, the score ranks: the strongest evidence of each kind, added up, so that signals
that agree count for more than one alone.

When fewer than `NAMED` candidates clear the threshold, the candidates whose evidence
reaches `WEAK_SHARE` of it are named after them, ranked the same way among themselves:
below the threshold, in order. They never make a ranking confident or loud, but the
order is what a person reads next when nothing (or little) stands out.

The ranking is confident when the symptom is off its baseline and the first candidate
stands apart: its score `SEPARATION` times that of every other unexplained one named,
those named below the threshold too.
The symptom's own service first, on evidence a dependency could have caused (latency,
errors, error logs) and none of its own (own time, the time around its calls, its
resources), is not confident: its dependencies may look normal because the cause is
not seen, and the alerted service's owner is the one paged either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from topology.gcpause import paused_gc
from topology.graph import ServiceGraph
from topology.rca.evidence import Evidence, Kind
from topology.rca.explaining import callers
from topology.rca.explaining import culprits as explained_by
from topology.rca.gather import Findings, gather
from topology.rca.onset import episode_onset, from_onset
from topology.rca.scoring import Family
from topology.rca.snapshot import Snapshot
from topology.stats import EdgeStats, Node
from topology.timespec import format_time

QUIET_THRESHOLD = 8.0
"""A candidate is anomalous from this many robust standard deviations off its baseline."""

SEPARATION = 2.0
"""The first candidate stands apart when its score is this many times the next one's."""
EVIDENCE_SHOWN = 3
"""Pieces of evidence named per candidate, the strongest of each kind."""
NAMED = 3
"""Candidates a ranking names at least, those below the threshold after those above it."""
WEAK_SHARE = 0.5
"""The part of the threshold from which evidence names a candidate below the threshold."""

_HEALTH = frozenset({Kind.LATENCY, Kind.ERRORS, Kind.LOGS})

QUIET_MESSAGE = "the incident window looks like the baseline: no candidate stands out"
LOW_CONFIDENCE_MESSAGE = "low confidence: the symptom's own metrics look like their baseline"
UNSURE_MESSAGE = "low confidence: no candidate stands clearly apart from the next"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One likely origin, with the score and the evidence in words."""

    service: str
    score: float
    evidence: str
    explained_by: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    """The kinds of evidence behind it: `latency`, `errors`, `edge`, `logs`, `metrics`."""

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `rca --json`."""
        return {
            "service": self.service,
            "score": round(self.score, 2),
            "evidence": self.evidence,
            "signals": list(self.signals),
        }


@dataclass(frozen=True, slots=True)
class Ranking:
    """The candidates, most likely first; empty (and quiet) when nothing stands out."""

    symptom: str
    candidates: tuple[Candidate, ...]
    examined: int
    threshold: float
    symptom_anomalous: bool | None = None
    """Whether the symptom's service itself clears the threshold; None without its series."""
    apart: bool = True
    """Whether the first candidate stands clearly apart from the next."""
    below: tuple[Candidate, ...] = ()
    """Candidates whose evidence reaches `WEAK_SHARE` of the threshold but not the threshold:
    named after `candidates` when there are fewer than `NAMED` of those, most likely first."""
    began: float | None = None
    """When the symptom's episode began, when before the incident window asked about: the
    incident was read from then on, and the baseline up to then (`onset`)."""

    @property
    def quiet(self) -> bool:
        """Whether no candidate cleared the threshold."""
        return not self.candidates

    @property
    def confident(self) -> bool:
        """Whether candidates stand out and the symptom itself is seen to be off its baseline."""
        return not self.quiet and self.symptom_anomalous is not False and self.apart

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data: the ranking, and whether it is quiet and why."""
        data: dict[str, object] = {
            "ranking": [candidate.to_dict() for candidate in self.candidates],
            "below_threshold": [candidate.to_dict() for candidate in self.below],
            "symptom": self.symptom,
            "quiet": self.quiet,
            "confidence": "high" if self.confident else "low",
            "examined": self.examined,
            "threshold": self.threshold,
        }
        if self.began is not None:
            data["began"] = format_time(int(self.began))
        if self.quiet:
            data["message"] = QUIET_MESSAGE
        elif self.symptom_anomalous is False:
            data["message"] = LOW_CONFIDENCE_MESSAGE
        elif not self.confident:
            data["message"] = UNSURE_MESSAGE
        return data


def snapshot_graph(snapshot: Snapshot) -> ServiceGraph:
    """The call graph a snapshot describes; services seen only in series become nodes."""
    nodes = {s.name: Node(s.name, virtual=s.virtual) for s in snapshot.services}
    for name in snapshot.series:
        nodes.setdefault(name, Node(name))
    edges = (EdgeStats(edge.parent, edge.child) for edge in snapshot.edges)
    return ServiceGraph.build(edges, nodes.values())


def _calls(snapshot: Snapshot) -> tuple[dict[str, set[str]], dict[str, bool]]:
    """Who calls whom, and which names are virtual: what ranking needs of the graph.

    The same nodes as `snapshot_graph`, without building it: services, then names seen
    only in series, then names seen only in edges (virtual).
    """
    virtuals = {s.name: s.virtual for s in snapshot.services}
    for name in snapshot.series:
        virtuals.setdefault(name, False)
    succ: dict[str, set[str]] = {name: set() for name in virtuals}
    for edge in snapshot.edges:
        virtuals.setdefault(edge.parent, True)
        virtuals.setdefault(edge.child, True)
        succ.setdefault(edge.child, set())
        succ.setdefault(edge.parent, set()).add(edge.child)
    return succ, virtuals


def rank(
    snapshot: Snapshot,
    symptom: str,
    *,
    graph: ServiceGraph | None = None,
    threshold: float = QUIET_THRESHOLD,
    separation: float = SEPARATION,
) -> Ranking:
    """Rank the root-cause candidates for a symptom at `symptom`, from the snapshot alone.

    The cycle collector is paused meanwhile: a large map's ranking makes a few hundred
    thousand short-lived objects and no cycles, a tenth of its time in young collections.
    """
    with paused_gc():
        return _rank(snapshot, symptom, graph, threshold, separation)


def _rank(
    snapshot: Snapshot,
    symptom: str,
    graph: ServiceGraph | None,
    threshold: float,
    separation: float,
) -> Ranking:
    calls = None if graph is not None else _calls(snapshot)
    succ: Mapping[str, Iterable[str]]
    if calls is not None and symptom in calls[0]:
        service = symptom
        succ, virtuals = calls
    else:  # a graph was given, or the name needs resolving (case, suggestions)
        graph = graph or snapshot_graph(snapshot)
        service = graph.resolve(symptom)
        succ = graph.succ
        virtuals = {name: graph.node(name).virtual for name in graph.names()}
    candidates = _downstream(succ, service)
    began = episode_onset(snapshot, service)
    if began is not None:
        snapshot = from_onset(snapshot, began)
    family = _family(snapshot, service)
    findings = gather(snapshot, candidates, family, threshold)
    ranked = _ranked(findings, candidates, succ, virtuals)
    weaker: list[tuple[int, float, str, Candidate]] = []
    if len(ranked) < NAMED:
        found = gather(snapshot, candidates, family, threshold * WEAK_SHARE)
        named = {name for _, _, name, _ in ranked}
        weaker = [
            item for item in _ranked(found, candidates, succ, virtuals) if item[2] not in named
        ][:NAMED]
    below = tuple(item[3] for item in weaker)
    watched = (snapshot.series, snapshot.logs, snapshot.metrics)
    seen = (
        _off_baseline(findings.evidence.get(service, ()))
        if any(service in m for m in watched)
        else None
    )
    apart = _apart([(tier, -negative) for tier, negative, _, _ in [*ranked, *weaker]], separation)
    if ranked and ranked[0][2] == service:
        own = [i for i in findings.evidence[service] if not i.explainable and not i.from_callers]
        apart = apart and bool(own)
    return Ranking(
        symptom=service,
        candidates=tuple(item[3] for item in ranked),
        examined=len(candidates),
        threshold=threshold,
        symptom_anomalous=seen,
        apart=apart,
        below=below,
        began=began,
    )


def _ranked(
    findings: Findings,
    candidates: list[str],
    succ: Mapping[str, Iterable[str]],
    virtuals: Mapping[str, bool],
) -> list[tuple[int, float, str, Candidate]]:
    """The anomalous candidates of `findings` in order: (tier, -score, name, candidate)."""
    calling = callers(succ, candidates)
    ranked = []
    for name, items in findings.evidence.items():
        upstream = calling.get(name, ())
        culprits, further = explained_by(name, items, succ, upstream, findings)
        virtual = virtuals[name]
        tier = 2 if culprits else (1 if virtual else 0)
        score = _combined(items)
        near = (succ[name], upstream, further)
        candidate = _candidate(name, score, items, culprits, virtual, near=near)
        ranked.append((tier, -score, name, candidate))
    ranked.sort(key=lambda item: item[:3])
    return ranked


def _off_baseline(items: Iterable[Evidence]) -> bool:
    """Whether a symptom's own health is off its baseline: its latency, errors or logs.

    The time around its calls and its resources say where a fault may be, not that the
    symptom is seen.
    """
    return any(item.kind in _HEALTH for item in items)


def _combined(items: Iterable[Evidence]) -> float:
    """The strongest evidence of each kind, added up."""
    best: dict[Kind, float] = {}
    for item in items:
        best[item.kind] = max(best.get(item.kind, 0.0), item.score)
    return sum(best.values())


def _apart(named: list[tuple[int, float]], separation: float) -> bool:
    """Whether the first of the (tier, score) named stands clearly apart from the rest.

    It is unexplained, and has `separation` times the score of every other one named in
    its tier or a better one, above the threshold or below it: a candidate just over the
    threshold does not stand apart from one just under it. One in a worse tier (explained,
    or only seen by its callers) is behind it whatever its score.
    """
    if not named or named[0][0] == 2:  # noqa: PLR2004 - the explained tier
        return False
    tier, score = named[0]
    return all(score >= separation * other for rank, other in named[1:] if rank <= tier)


def _family(snapshot: Snapshot, service: str) -> Family | None:
    symptom = snapshot.symptom
    if symptom is None or symptom.service != service:
        return None
    return Family.of(symptom.metric)


def _downstream(succ: Mapping[str, Iterable[str]], start: str) -> list[str]:
    """`start` and everything it calls, transitively, in breadth-first order."""
    seen = {start}
    order = [start]
    for name in order:
        for child in succ[name]:
            if child not in seen:
                seen.add(child)
                order.append(child)
    return order


def _explained_text(
    culprits: tuple[str, ...],
    callees: Iterable[str],
    callers: Iterable[str],
    further: Mapping[str, str],
) -> str:
    """`may be explained by anomalous dependencies: a, b`, and callers apart, three each.

    Dependencies are its callees and what lies below them, each of those named with the
    callee it lies below (`further`); callers are the ones that only call it.
    """
    above = set(callers).difference(callees)
    parts = []
    below = [f"{c} (below {further[c]})" if c in further else c for c in culprits if c not in above]
    for side, names in (
        ("dependencies", below),
        ("callers", [c for c in culprits if c in above]),
    ):
        if names:
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")  # noqa: PLR2004 - the three shown
            parts.append(f"anomalous {side}: {shown}")
    return "may be explained by " + "; ".join(parts)


def _candidate(
    name: str,
    score: float,
    items: list[Evidence],
    culprits: tuple[str, ...],
    virtual: bool,  # noqa: FBT001 - private, positional by its one caller
    *,
    near: tuple[Iterable[str], Iterable[str], Mapping[str, str]],
) -> Candidate:
    """A ranked candidate; `near` holds its callees, its callers and `passed_up`'s finds."""
    if culprits:
        context = _explained_text(culprits, *near)
    elif virtual:
        context = "seen only by its callers, its own dependencies unknown"
    else:
        context = "its dependencies normal"
    strongest: dict[Kind, Evidence] = {}
    for item in items:
        strongest.setdefault(item.kind, item)
    told_first = list(strongest.values())
    told_first += [item for item in items if item not in told_first]
    told = "; ".join(item.text for item in told_first[:EVIDENCE_SHOWN])
    kinds = tuple(kind.value for kind in Kind if kind in strongest)
    return Candidate(
        service=name,
        score=score,
        evidence=f"{told}; {context}",
        explained_by=culprits,
        signals=kinds,
    )
