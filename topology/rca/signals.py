"""Evidence from resource metrics: any metric far off its baseline, read generically.

Either direction counts; a metric that fell (less CPU, less network) is what less work
looks like, so it is evidence that an anomalous caller can explain.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import cast

from topology.rca.evidence import Evidence, Kind, number
from topology.rca.extremes import extremes, worth_screening
from topology.rca.scoring import RELATIVE_FLOOR, Family, Metric, Positions, robust_score
from topology.rca.scoring import measured as measured_values
from topology.rca.snapshot import Snapshot

FLOOR = 1e-6
"""The least spread of a metric whatever its unit: only a metric that never moved has it."""


RISEN = Metric("metric", Family.TRAFFIC, up_is_bad=True, floor=FLOOR, label="metric", unit="")
FALLEN = Metric("metric", Family.TRAFFIC, up_is_bad=False, floor=FLOOR, label="metric", unit="")


def _directions(
    before: Sequence[float], during: Sequence[float], cutoff: float
) -> tuple[Metric, ...]:
    """The directions in which the incident could stray far enough, from extremes alone.

    A score is an excess over a spread of at least `RELATIVE_FLOOR` of the baseline's
    level (and `FLOOR`); the extremes bound both.
    """
    return _directions_within((min(before), max(before)), (min(during), max(during)), cutoff)


def _directions_within(
    before: tuple[float, float], during: tuple[float, float], cutoff: float
) -> tuple[Metric, ...]:
    """`_directions` from the least and most values of each window."""
    low, high = before
    least = max(FLOOR, RELATIVE_FLOOR * low) if low >= 0 else FLOOR
    reach = cutoff * least
    risen = during[1] - low >= reach
    fallen = high - during[0] >= reach
    return (RISEN,) * risen + (FALLEN,) * fallen


def _unmoved(
    values: Sequence[float | None], baseline: range, incident: range, cutoff: float
) -> bool:
    """Whether the metric strays far enough in no direction, judged on its values as they are.

    Most metrics of a large map did not move; one with a gap (None cannot be compared) is
    left to the full reading.
    """
    before = values[baseline.start : baseline.stop]
    during = values[incident.start : incident.stop]
    if not before or not during:
        return True
    known, seen = cast("Sequence[float]", before), cast("Sequence[float]", during)
    try:
        ordered = sorted(known)  # both ends of the longer window in one pass
        ends = (min(seen), max(seen))
        return not _directions_within((ordered[0], ordered[-1]), ends, cutoff)
    except TypeError:  # a None among them
        return False


def metric_evidence(
    snapshot: Snapshot,
    names: Collection[str],
    threshold: float,
    positions: Positions | None = None,
) -> dict[str, list[Evidence]]:
    """Per service of `names` with metrics: each one far off its baseline, either way."""
    positions = positions or Positions(snapshot.baseline, snapshot.incident)
    screened = _screened(snapshot, names, threshold, positions)
    found: dict[str, list[Evidence]] = {}
    for name in names:
        measured = snapshot.metrics.get(name)
        if measured is None:
            continue
        items = []
        baseline, incident = positions.of(measured.t)
        for key, values in measured.metrics.items():
            if (
                next(screened)
                if screened is not None
                else _unmoved(values, baseline, incident, threshold)
            ):
                continue
            before = measured_values(values, baseline)
            during = measured_values(values, incident)
            if not before or not during:
                continue
            for metric in _directions(before, during, threshold):
                score = robust_score(
                    before, during, metric, cutoff=threshold, adjoining=positions.adjoining
                )
                if score is not None:
                    text = f"{key} {number(score.baseline)} → {number(score.worst)}"
                    items.append(
                        Evidence(
                            Kind.METRICS,
                            score.score,
                            text,
                            explainable=False,
                            from_callers=metric is FALLEN,
                        )
                    )
        if items:
            found[name] = items
    return found


def _screened(
    snapshot: Snapshot, names: Collection[str], threshold: float, positions: Positions
) -> Iterator[bool] | None:
    """`_unmoved` of every metric series, in `metric_evidence`'s order; None for few series."""
    rows: list[Sequence[float | None]] = []
    windows: list[tuple[range, range]] = []
    for name in names:
        measured = snapshot.metrics.get(name)
        if measured is not None:
            steps = positions.of(measured.t)
            rows.extend(measured.metrics.values())
            windows.extend([steps] * len(measured.metrics))
    if not worth_screening(len(rows)):
        return None
    return iter(unmoved_together(rows, windows, threshold))


def unmoved_together(
    rows: Sequence[Sequence[float | None]], windows: Sequence[tuple[range, range]], cutoff: float
) -> list[bool]:
    """`_unmoved` of each row at its (baseline, incident) positions, all at once.

    Judged from their extremes (`topology.rca.extremes`); a row they cannot judge is
    judged on its own.
    """
    found = extremes(rows, windows)
    risen = found.may_reach(up=True, floor=FLOOR, relative=True, cutoff=cutoff).tolist()
    fallen = found.may_reach(up=False, floor=FLOOR, relative=True, cutoff=cutoff).tolist()
    return [
        not (up or down) if judged else _unmoved(values, *steps, cutoff)
        for values, steps, up, down, judged in zip(
            rows, windows, risen, fallen, found.judged.tolist(), strict=True
        )
    ]
