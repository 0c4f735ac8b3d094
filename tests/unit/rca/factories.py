"""Hand-made snapshots: a baseline of gently wobbling numbers, then an incident window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from topology.rca.snapshot import (
    Series,
    Snapshot,
    SnapshotEdge,
    SnapshotService,
    Symptom,
    Window,
)

BASELINE_STEPS = 60
INCIDENT_STEPS = 6
STEP = 60


def wobble(level: float, steps: int = BASELINE_STEPS) -> list[float]:
    """A steady level with a small, regular wobble (about 2%)."""
    pattern = (0.0, 0.02, -0.01, 0.015, -0.02, 0.01)
    return [level * (1 + pattern[i % len(pattern)]) for i in range(steps)]


def series(**metrics: Sequence[float]) -> Series:
    """A series over baseline then incident: each metric lists both windows' values."""
    length = len(next(iter(metrics.values())))
    return Series(
        tuple(float(i * STEP) for i in range(length)),
        {key: tuple(values) for key, values in metrics.items()},
    )


def latency(before: float, during: float) -> Series:
    """Average latency at `before` ms through the baseline and `during` ms in the incident."""
    return series(
        latency_avg_ms=[*wobble(before), *wobble(during, INCIDENT_STEPS)],
        requests=[*wobble(100.0), *wobble(100.0, INCIDENT_STEPS)],
    )


def snapshot(
    edges: Sequence[tuple[str, str]],
    health: Mapping[str, Series],
    *,
    symptom: Symptom | None = None,
    virtual: Sequence[str] = (),
) -> Snapshot:
    """A snapshot whose first `BASELINE_STEPS` steps are the baseline, the rest the incident."""
    names = sorted({name for edge in edges for name in edge} | set(health))
    return Snapshot(
        baseline=Window(0, (BASELINE_STEPS - 1) * STEP),
        incident=Window(BASELINE_STEPS * STEP, (BASELINE_STEPS + INCIDENT_STEPS) * STEP),
        services=tuple(SnapshotService(n, virtual=n in virtual) for n in names),
        edges=tuple(SnapshotEdge(parent, child) for parent, child in edges),
        series=dict(health),
        symptom=symptom,
    )
