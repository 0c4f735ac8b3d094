"""Evidence from resource metrics: any metric far off its baseline, read generically.

Either direction counts; a metric that fell (less CPU, less network) is what less work
looks like, so it is evidence that an anomalous caller can explain.
"""

from __future__ import annotations

from collections.abc import Collection

from topology.rca.evidence import Evidence, Kind, number
from topology.rca.scoring import Family, Metric, window_score
from topology.rca.snapshot import Snapshot

FLOOR = 1e-6
"""The least spread of a metric whatever its unit: only a metric that never moved has it."""


def _metric(key: str, *, up: bool) -> Metric:
    return Metric(key, Family.TRAFFIC, up_is_bad=up, floor=FLOOR, label=key, unit="")


def metric_evidence(
    snapshot: Snapshot, names: Collection[str], threshold: float
) -> dict[str, list[Evidence]]:
    """Per service of `names` with metrics: each one far off its baseline, either way."""
    windows = (snapshot.baseline, snapshot.incident)
    found: dict[str, list[Evidence]] = {}
    for name in names:
        measured = snapshot.metrics.get(name)
        if measured is None:
            continue
        items = []
        for key in measured.metrics:
            for up in (True, False):
                metric = _metric(key, up=up)
                score = window_score(measured, key, windows, metric, cutoff=threshold)
                if score is not None:
                    text = f"{key} {number(score.baseline)} → {number(score.worst)}"
                    items.append(
                        Evidence(
                            Kind.METRICS, score.score, text, explainable=False, from_callers=not up
                        )
                    )
        if items:
            found[name] = items
    return found
