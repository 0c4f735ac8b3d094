"""Gather every piece of evidence against each candidate, from every signal the snapshot has.

Traces give each service's health metrics, its own time and the time between the sides
of its calls; logs and metrics, when the snapshot has them, add their own, and its
callers' logs that name it theirs. Only the
evidence that clears the threshold is kept; signals a snapshot lacks add nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import islice

from topology.rca.edges import fan_outs, gap_evidence, own_time_evidence
from topology.rca.evidence import Evidence, Kind
from topology.rca.extremes import extremes, worth_screening
from topology.rca.logs import log_evidence
from topology.rca.naming import named_evidence
from topology.rca.scoring import (
    AVAILABILITY,
    METRIC_INFO,
    Family,
    Metric,
    MetricScore,
    Positions,
    may_fail,
    metric_scores,
    relevant,
)
from topology.rca.signals import metric_evidence
from topology.rca.snapshot import Series, Snapshot

_KIND_OF = {Family.LATENCY: Kind.LATENCY, Family.ERRORS: Kind.ERRORS, Family.TRAFFIC: Kind.ERRORS}


@dataclass(slots=True)
class Findings:
    """What was found against the candidates: their evidence, and all their health scores."""

    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    """Per anomalous candidate, its evidence that cleared the threshold, strongest first."""
    health: dict[str, list[MetricScore]] = field(default_factory=dict)
    """Per anomalous candidate, every health metric's score (to compare with its callers')."""
    gaps: dict[tuple[str, str], MetricScore] = field(default_factory=dict)
    """The grown gaps between the sides of calls, per (parent, child)."""
    fan_out: dict[tuple[str, str], float] = field(default_factory=dict)
    """Calls per request served in the incident, per (parent, child) both anomalous."""


def gather(
    snapshot: Snapshot, candidates: Sequence[str], family: Family | None, threshold: float
) -> Findings:
    """The evidence against each of `candidates` clearing `threshold`."""
    names = set(candidates)
    positions = Positions(snapshot.baseline, snapshot.incident)
    gaps: dict[tuple[str, str], MetricScore] = {}
    found: dict[str, list[Evidence]] = {}
    health: dict[str, list[MetricScore]] = {}
    watched = [
        (name, series, relevant(series, family))
        for name in candidates
        if (series := snapshot.series.get(name)) is not None
    ]
    for name, series, keys in _may_clear(watched, threshold, positions):
        clearing = metric_scores(
            series,
            snapshot.baseline,
            snapshot.incident,
            keys=keys,
            cutoff=threshold,
            positions=positions,
        )
        if clearing:
            found[name] = [_health(score) for score in clearing]
            health[name] = metric_scores(series, snapshot.baseline, snapshot.incident)
    if snapshot.edge_series:
        for name, item in own_time_evidence(snapshot, names, threshold, positions).items():
            found.setdefault(name, []).append(item)
        by_side, gaps = gap_evidence(snapshot, names, threshold, positions)
        _add(found, by_side, names, threshold)
    if snapshot.logs:
        _add(found, log_evidence(snapshot, names, threshold), names, threshold)
        _add(found, named_evidence(snapshot, names, threshold), names, threshold)
    if snapshot.metrics:
        _add(found, metric_evidence(snapshot, names, threshold, positions), names, threshold)
    for name, items in found.items():
        items.sort(key=lambda item: -item.score)
        series = snapshot.series.get(name)
        if name not in health and series is not None:
            health[name] = metric_scores(series, snapshot.baseline, snapshot.incident)
    return Findings(found, health, gaps, fan_outs(snapshot, found, positions))


def _may_clear(
    watched: list[tuple[str, Series, tuple[str, ...]]], threshold: float, positions: Positions
) -> list[tuple[str, Series, tuple[str, ...]]]:
    """The (name, series, keys) of `watched` some of whose keys' scores may reach `threshold`.

    All of them for a small map; a large map's are judged from their extremes all at once
    (`topology.rca.extremes`), and those none of whose keys can reach it are left out, as
    `metric_scores` would find them with nothing clearing it. An availability read from
    counts of failed requests is judged from the incident's count (`may_fail`).
    """
    if not worth_screening(sum(len(keys) for _, _, keys in watched)) or not threshold > 0:
        return watched
    rows: list[Sequence[float | None]] = []
    windows: list[tuple[range, range]] = []
    metrics: list[Metric] = []
    counted: list[bool | None] = []
    for _, series, keys in watched:
        steps = positions.of(series.t)
        for key in keys:
            verdict = may_fail(series, steps[1]) if key == AVAILABILITY else None
            counted.append(verdict)
            if verdict is None:
                rows.append(series.metrics[key])
                windows.append(steps)
                metrics.append(METRIC_INFO[key])
    found = extremes(rows, windows, measured=True)
    # A key with no value measured in a window has no score (`robust_score`).
    screened = zip(found.reach(metrics, threshold), found.unmeasured.tolist(), strict=True)
    verdicts = iter(counted)
    kept = []
    for item in watched:
        far = []
        for verdict in islice(verdicts, len(item[2])):
            if verdict is None:
                may, empty = next(screened)
                far.append(may is False or empty)
            else:
                far.append(not verdict)
        if not all(far):
            kept.append(item)
    return kept


def _health(score: MetricScore) -> Evidence:
    family = score.metric.family
    return Evidence(
        _KIND_OF[family],
        score.score,
        score.describe(),
        explainable=True,
        metric=score,
        from_callers=family is Family.TRAFFIC,
    )


def _add(
    into: dict[str, list[Evidence]],
    more: dict[str, list[Evidence]],
    names: Collection[str],
    threshold: float,
) -> None:
    for name, items in more.items():
        kept = [item for item in items if item.score >= threshold]
        if name in names and kept:
            into.setdefault(name, []).extend(kept)
