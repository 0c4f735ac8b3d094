"""Rank root-cause candidates for a symptom: the symptom's service and its downstream.

A candidate is anomalous when its strongest relevant metric clears the quiet threshold.
An anomalous candidate whose own dependencies look normal is the likelier origin, so
it ranks before one whose anomaly an anomalous dependency can explain; the score breaks
ties. A dependency explains a caller's anomaly only when its own excess on the same
metric (milliseconds of latency, errors, points of availability) is at least half the
caller's: latency and errors add up along calls, so a callee a few milliseconds slower
cannot explain a caller hundreds of milliseconds slower. A virtual node (seen only by
its callers) shows no dependencies of its own, so nothing clears it either way: it ranks
between the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.rca.scoring import Family, MetricScore, metric_scores, relevant
from topology.rca.snapshot import Snapshot
from topology.stats import EdgeStats, Node

QUIET_THRESHOLD = 8.0
"""A candidate is anomalous from this many robust standard deviations off its baseline."""

EXPLAINING_SHARE = 0.5
"""A dependency explains a caller when its excess is at least this part of the caller's."""

QUIET_MESSAGE = "the incident window looks like the baseline: no candidate stands out"
LOW_CONFIDENCE_MESSAGE = "low confidence: the symptom's own metrics look like their baseline"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One likely origin, with the score and the evidence in words."""

    service: str
    score: float
    evidence: str
    explained_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `rca --json`."""
        return {"service": self.service, "score": round(self.score, 2), "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Ranking:
    """The candidates, most likely first; empty (and quiet) when nothing stands out."""

    symptom: str
    candidates: tuple[Candidate, ...]
    examined: int
    threshold: float
    symptom_anomalous: bool | None = None
    """Whether the symptom's service itself clears the threshold; None without its series."""

    @property
    def quiet(self) -> bool:
        """Whether no candidate cleared the threshold."""
        return not self.candidates

    @property
    def confident(self) -> bool:
        """Whether candidates stand out and the symptom itself is seen to be off its baseline."""
        return not self.quiet and self.symptom_anomalous is not False

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data: the ranking, and whether it is quiet and why."""
        data: dict[str, object] = {
            "ranking": [candidate.to_dict() for candidate in self.candidates],
            "symptom": self.symptom,
            "quiet": self.quiet,
            "confidence": "high" if self.confident else "low",
            "examined": self.examined,
            "threshold": self.threshold,
        }
        if self.quiet:
            data["message"] = QUIET_MESSAGE
        elif not self.confident:
            data["message"] = LOW_CONFIDENCE_MESSAGE
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
) -> Ranking:
    """Rank the root-cause candidates for a symptom at `symptom`, from the snapshot alone."""
    calls = None if graph is not None else _calls(snapshot)
    if calls is not None and symptom in calls[0]:
        service = symptom
        succ, virtuals = calls
    else:  # a graph was given, or the name needs resolving (case, suggestions)
        graph = graph or snapshot_graph(snapshot)
        service = graph.resolve(symptom)
        succ = graph.digraph.succ
        virtuals = {name: graph.node(name).virtual for name in graph.names()}
    candidates = _downstream(succ, service)
    bests, scores = _anomalies(snapshot, candidates, _family(snapshot, service), threshold)
    ranked = []
    for name, best in bests.items():
        culprits = tuple(
            sorted(
                callee
                for callee in succ[name]
                if callee != name and callee in scores and _explains(scores[callee], best)
            )
        )
        virtual = virtuals[name]
        tier = 2 if culprits else (1 if virtual else 0)
        ranked.append((tier, -best.score, name, _candidate(name, best, culprits, virtual=virtual)))
    ranked.sort(key=lambda item: item[:3])
    seen = service in bests if service in snapshot.series else None
    return Ranking(service, tuple(item[3] for item in ranked), len(candidates), threshold, seen)


def _anomalies(
    snapshot: Snapshot, candidates: Iterable[str], family: Family | None, threshold: float
) -> tuple[dict[str, MetricScore], dict[str, list[MetricScore]]]:
    """The anomalous candidates: each one's strongest relevant metric, and all its scores."""
    bests: dict[str, MetricScore] = {}
    scores: dict[str, list[MetricScore]] = {}
    for name in candidates:
        series = snapshot.series.get(name)
        if series is None:
            continue
        clearing = metric_scores(
            series,
            snapshot.baseline,
            snapshot.incident,
            keys=relevant(series, family),
            cutoff=threshold,
        )
        if clearing:
            bests[name] = max(clearing, key=lambda s: s.score)
            scores[name] = metric_scores(series, snapshot.baseline, snapshot.incident)
    return bests, scores


def _explains(callee: list[MetricScore], caller: MetricScore) -> bool:
    """Whether the callee's excess on the caller's worst metric is enough to explain it.

    An anomalous callee without that metric cannot be compared, so it may explain it.
    """
    same = [s for s in callee if s.metric is caller.metric]
    if not same:
        return True
    return same[0].excess >= EXPLAINING_SHARE * caller.excess


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


def _candidate(
    name: str, best: MetricScore, culprits: tuple[str, ...], *, virtual: bool
) -> Candidate:
    if culprits:
        shown = ", ".join(culprits[:3]) + (", ..." if len(culprits) > 3 else "")  # noqa: PLR2004
        context = f"may be explained by anomalous dependencies: {shown}"
    elif virtual:
        context = "seen only by its callers, its own dependencies unknown"
    else:
        context = "its dependencies normal"
    return Candidate(name, best.score, f"{best.describe()}; {context}", culprits)
