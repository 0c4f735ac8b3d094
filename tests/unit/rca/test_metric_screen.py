"""Resource metrics judged all at once stray exactly where judging them one at a time says."""

import random
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from topology.rca import extremes
from topology.rca.signals import _unmoved, metric_evidence, unmoved_together
from topology.rca.snapshot import Series

from .factories import BASELINE_STEPS, INCIDENT_STEPS, latency, snapshot

STEPS = BASELINE_STEPS + INCIDENT_STEPS

value = st.one_of(
    st.floats(-5.0, 5.0),
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 0.4, 0.95, 1e-9, 2e-6, 8e-6]),  # 2e-6 and 8e-6: just at a reach
    st.integers(-3, 100),
    st.just(None),
    st.just(float("inf")),
)


@st.composite
def services(draw: st.DrawFn) -> list[tuple[list[list[float | None]], range, range]]:
    width = draw(st.integers(0, 12))
    split = draw(st.integers(0, width))
    before, during = range(split), range(split, draw(st.integers(split, width)))
    found = []
    for _ in range(draw(st.integers(1, 5))):
        rows = [
            draw(st.lists(value, min_size=width, max_size=width))
            for _ in range(draw(st.integers(0, 4)))
        ]
        if rows and draw(st.booleans()):
            rows[0] = rows[0][: draw(st.integers(0, width))]  # shorter than its minutes
        found.append((rows, before, during))
    return found


@settings(max_examples=300, deadline=None)
@given(services(), st.sampled_from([0.0, 0.5, 2.0, 8.0, -1.0]))
@example([([[0.0, 2e-6]], range(1), range(1, 2))], 2.0)  # risen by just the reach
@example([([[2e-6, 0.0]], range(1), range(1, 2))], 2.0)  # fallen by just the reach
def test_series_judged_together_stray_where_judged_one_at_a_time(series, cutoff):
    rows, windows = flat(series)

    judged = unmoved_together(rows, windows, cutoff)

    assert judged == [
        _unmoved(values, *steps, cutoff) for values, steps in zip(rows, windows, strict=True)
    ]


def flat(services):
    """Every row of the services, and the (baseline, incident) positions of each."""
    rows = [values for series, _, _ in services for values in series]
    windows = [(before, during) for series, before, during in services for _ in series]
    return rows, windows


def large_map(rng: random.Random, services: int):
    frame = snapshot([], {"route": latency(20, 20)})
    t = frame.series["route"].t
    metrics = {}
    for i in range(services):
        values = {
            "k8s.pod.cpu_limit_utilization": [rng.gauss(0.4, 0.02) for _ in range(STEPS)],
            "k8s.pod.memory_limit_utilization": [rng.gauss(0.5, 0.01) for _ in range(STEPS)],
            "k8s.pod.network.receive.rate": [rng.gauss(900, 40) for _ in range(STEPS)],
        }
        if i % 53 == 0:
            values["k8s.pod.cpu_limit_utilization"][BASELINE_STEPS:] = [0.95] * INCIDENT_STEPS
        if i % 47 == 0:
            values["k8s.pod.network.receive.rate"][i % STEPS] = None
        metrics[f"svc-{i:04d}"] = Series(t, {k: tuple(v) for k, v in values.items()})
    return replace(frame, metrics=metrics)


def test_the_metric_evidence_of_a_large_map_is_what_judging_each_series_finds(monkeypatch):
    frame = large_map(random.Random(9), 1_500)  # noqa: S311 - made-up metrics, not secrets
    names = set(frame.metrics)
    together = metric_evidence(frame, names, 8.0)
    monkeypatch.setattr(extremes, "SCREENED_FROM", 10**9)

    one_at_a_time = metric_evidence(frame, names, 8.0)

    assert together == one_at_a_time
    assert len(together) >= 29  # the services whose CPU was put at 0.95


@pytest.mark.parametrize("cutoff", [2.0, 8.0])
def test_a_service_without_metric_minutes_in_a_window_strays_nowhere(cutoff):
    assert unmoved_together([[0.1, 0.9, 5.0]], [(range(3), range(3, 3))], cutoff) == [True]


def test_metrics_judged_in_small_chunks_get_the_verdicts_of_one_chunk(monkeypatch):
    frame = large_map(random.Random(11), 200)  # noqa: S311 - made-up metrics, not secrets
    rows = [values for s in frame.metrics.values() for values in s.metrics.values()]
    windows = [(range(60), range(60, 66))] * len(rows)
    whole = unmoved_together(rows, windows, 2.0)
    monkeypatch.setattr(extremes, "VALUES", 5 * STEPS)

    assert unmoved_together(rows, windows, 2.0) == whole
