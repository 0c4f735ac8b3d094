"""What ranking a symptom reads of a snapshot to find what it finds: the rest may be left out.

A candidate's evidence comes from its own series, logs and metrics; its own time from its
series and every call it makes; a grown gap between the sides of a call from the series
of every call into the callee and out of the caller (each side's part is the share of its
calls that grew); its callers' logs that name it. A candidate without evidence, even at
the weaker threshold below which nothing is named, adds nothing to the ranking but its
place on the map (and the weaker threshold is read only when fewer than `NAMED` clear the
threshold). So a snapshot keeping the map of the candidates, the series of those
with evidence (and of the symptom), the logs and series of their callers that log, and
the calls around every grown gap ranks as the whole one does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from topology.rca.edges import edge_parts
from topology.rca.gather import gather
from topology.rca.ranking import NAMED, QUIET_THRESHOLD, WEAK_SHARE
from topology.rca.scoring import Family
from topology.rca.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class Needs:
    """The services whose series, logs and metrics ranking reads, and the edges' series."""

    services: frozenset[str]
    edges: frozenset[str]
    """Edge series keys, `parent->child`."""


def ranking_needs(
    snapshot: Snapshot,
    candidates: Sequence[str],
    callers: Mapping[str, Collection[str]],
    threshold: float = QUIET_THRESHOLD,
) -> Needs:
    """What ranking `candidates` (the symptom's service first) at `threshold` reads.

    `callers` names who calls each service, on the snapshot's map.
    """
    symptom = candidates[0]
    family = None
    if snapshot.symptom is not None and snapshot.symptom.service == symptom:
        family = Family.of(snapshot.symptom.metric)
    findings = gather(snapshot, candidates, family, threshold)
    anomalous = set(findings.evidence)
    grown = set(findings.gaps)
    if len(anomalous) < NAMED:  # the ranking then names the weaker ones too
        weaker = gather(snapshot, candidates, family, threshold * WEAK_SHARE)
        anomalous.update(weaker.evidence)
        grown.update(weaker.gaps)
    logging = {
        caller for name in anomalous for caller in callers.get(name, ()) if caller in snapshot.logs
    }
    sides = {name for edge in grown for name in edge}
    edges = frozenset(key for key in snapshot.edge_series if not sides.isdisjoint(edge_parts(key)))
    return Needs(frozenset({symptom} | anomalous | logging), edges)
