"""The screen of many log series at once rules out only series the full reading finds unchanged."""

import math
import random
from dataclasses import replace

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.rca import counts, log_screen, logs
from topology.rca.log_screen import Logged, _kept, could_change
from topology.rca.logs import Minutes, log_evidence
from topology.rca.snapshot import Series, Snapshot

from .factories import BASELINE_STEPS, INCIDENT_STEPS, latency, snapshot

STEPS = BASELINE_STEPS + INCIDENT_STEPS
FRAME = snapshot([], {"route": latency(20, 20)})
T = FRAME.series["route"].t

small_counts = st.one_of(st.integers(min_value=0, max_value=6), st.integers(0, 400)).map(float)
count_or_gap = st.one_of(small_counts, st.just(None))
noise = st.lists(st.integers(0, 3), min_size=STEPS, max_size=STEPS)
requests = st.one_of(
    st.just(0.0), st.just(None), st.sampled_from([1.0, 2.0, 50.0]), st.floats(1.0, 500.0)
)


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - made-up log counts, not secrets


def changes(logged: Logged, cutoff: float) -> list[bool]:
    """Per series: whether the full reading calls it evidence (as `log_evidence` keeps it)."""
    served = Series(logged.t, {"requests": tuple(logged.requests)})
    minutes = Minutes.of(logged.t, served, FRAME)
    found = []
    for values, rises_only in zip(logged.counts, logged.rises_only, strict=True):
        change = None if minutes is None else minutes.change(values, cutoff)
        found.append(
            change is not None and change.score >= cutoff and (change.up or not rises_only)
        )
    return found


def service(draw: st.DrawFn, *, gaps: bool) -> Logged:
    served = draw(st.lists(requests, min_size=STEPS, max_size=STEPS))
    if draw(st.booleans()):  # served every minute, as most services are
        served = [r or 1.0 for r in served]
    values = count_or_gap if gaps else small_counts
    level = draw(st.floats(0.0, 3.0))
    jump = draw(st.sampled_from([0.0, 0.5, 3.0]))
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.lists(values, min_size=STEPS, max_size=STEPS))
        if draw(st.booleans()):  # near a rate per request, with a change in the incident
            row = [
                float(round(level * (1 + jump * (i >= BASELINE_STEPS)) * (r or 0.0) + noise))
                for i, (r, noise) in enumerate(zip(served, draw(noise), strict=True))
            ]
        rows.append(tuple(row))
    rises = [draw(st.booleans()) for _ in rows]
    return Logged(T, tuple(served), rows, rises)


@st.composite
def services(draw: st.DrawFn) -> list[Logged]:
    gaps = draw(st.booleans())
    return [service(draw, gaps=gaps) for _ in range(draw(st.integers(1, 6)))]


@settings(max_examples=150, deadline=None)
@given(services(), st.sampled_from([0.5, 2.0, 8.0, 20.0]))
def test_a_series_ruled_out_is_one_the_full_reading_finds_unchanged(
    logged: list[Logged], cutoff: float
) -> None:
    screened = could_change(logged, FRAME.baseline, FRAME.incident, cutoff)

    for service_logs, could in zip(logged, screened, strict=True):
        found = changes(service_logs, cutoff)
        assert len(could) == len(found)
        assert all(may for may, change in zip(could, found, strict=True) if change)


def steady(rng: random.Random, rate: float) -> tuple[float, ...]:
    return tuple(float(round(rng.gauss(rate * 100, (rate * 100) ** 0.5))) for _ in range(STEPS))


def test_steady_series_are_ruled_out_and_a_burst_and_a_vanished_template_are_kept():
    rng = seeded(3)
    burst = (*steady(rng, 0.05)[:BASELINE_STEPS], *[60.0] * INCIDENT_STEPS)
    vanished = (*steady(rng, 0.2)[:BASELINE_STEPS], *[0.0] * INCIDENT_STEPS)
    quiet = [steady(rng, 0.1) for _ in range(20)]
    logged = Logged(T, (100.0,) * STEPS, [*quiet, burst, vanished], [False] * 22)

    (could,) = could_change([logged], FRAME.baseline, FRAME.incident, 8.0)

    assert could[-2:] == [True, True]
    assert sum(could[:-2]) <= 1


def test_a_level_that_fell_is_ruled_out_and_a_template_that_fell_is_not():
    rng = seeded(4)
    fell = (*steady(rng, 0.3)[:BASELINE_STEPS], *[0.0] * INCIDENT_STEPS)
    logged = Logged(T, (100.0,) * STEPS, [fell, fell], [True, False])

    assert could_change([logged], FRAME.baseline, FRAME.incident, 8.0) == [[False, True]]


@pytest.mark.parametrize(
    ("counts", "why"),
    [
        ((1.0,) * (STEPS - 1), "a series shorter than its minutes"),
        ((None, *(1.0,) * (STEPS - 1)), "a gap in a minute served"),
        ((-3.0, *(1.0,) * (STEPS - 1)), "a negative count"),
    ],
)
def test_series_the_screen_cannot_read_are_left_to_the_full_reading(counts, why):
    rng = seeded(5)
    quiet = steady(rng, 0.1)
    logged = Logged(T, (100.0,) * STEPS, [quiet, counts], [False, False])

    (could,) = could_change([logged], FRAME.baseline, FRAME.incident, 8.0)

    assert could[1], why


@pytest.mark.parametrize(
    "served",
    [(-100.0,) * STEPS, (100.0,) * (STEPS - 1), (float("nan"),) * STEPS],
)
def test_a_service_whose_requests_cannot_be_read_keeps_all_its_series(served):
    quiet = steady(seeded(6), 0.1)
    odd = Logged(T, served, [quiet], [False])
    fine = Logged(T, (100.0,) * STEPS, [quiet], [False])

    assert could_change([odd, fine], FRAME.baseline, FRAME.incident, 8.0) == [[True], [False]]


def test_a_negative_cutoff_rules_nothing_out():
    quiet = steady(seeded(7), 0.1)
    logged = Logged(T, (100.0,) * STEPS, [quiet], [False])

    assert could_change([logged], FRAME.baseline, FRAME.incident, -1.0) == [[True]]


def large_map(rng: random.Random, services: int) -> Snapshot:
    health, logged = {}, {}
    for i in range(services):
        name = f"svc-{i:04d}"
        served = tuple(float(max(0, round(rng.gauss(100, 10)))) for _ in range(STEPS))
        health[name] = Series(T, {"requests": served})
        series = {
            "level:INFO": steady(rng, 0.5),
            "level:WARN": steady(rng, 0.02),
            "level:ERROR": steady(rng, 0.01),
            "template:GET <*> served": steady(rng, 0.3),
            "template:cache miss <*>": steady(rng, 0.05),
        }
        if i % 97 == 0:
            series["level:ERROR"] = (*series["level:ERROR"][:BASELINE_STEPS], *[30.0] * 6)
        if i % 89 == 0:
            template = series["template:GET <*> served"]
            series["template:GET <*> served"] = (*template[:BASELINE_STEPS], *[0.0] * 6)
        if i % 83 == 0:
            series["template:cache miss <*>"] = (None, *series["template:cache miss <*>"][1:])
        logged[name] = Series(T, series)
    return replace(snapshot([], health), logs=logged)


def test_the_evidence_of_a_large_map_is_what_reading_every_series_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = large_map(seeded(8), 1_200)
    names = list(frame.logs)
    screened = log_evidence(frame, names, 8.0)
    monkeypatch.setattr(logs, "SCREENED_FROM", 10**9)

    read_one_by_one = log_evidence(frame, names, 8.0)

    assert screened == read_one_by_one
    assert len(screened) >= 20  # the errors and vanished templates put in


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 0.5, 2.0, math.inf]) | st.floats(0.0, 9.0), min_size=12),
        min_size=1,
        max_size=5,
    ).filter(lambda rows: len({len(row) for row in rows}) == 1)
)
def test_the_minutes_kept_are_those_a_stable_sort_by_rate_keeps(rows):
    rates = numpy.array(rows)
    minutes = numpy.array([sum(1 for r in row if r != math.inf) for row in rows])

    kept = _kept(rates, minutes)

    for row, served, flags in zip(rows, minutes.tolist(), kept.tolist(), strict=True):
        drop = int(counts.TRIMMED * served)
        order = sorted((i for i, r in enumerate(row) if r != math.inf), key=row.__getitem__)
        assert {i for i, flag in enumerate(flags) if flag} == set(order[drop : served - drop])


def test_series_judged_in_small_batches_get_the_verdicts_of_one_batch(monkeypatch):
    frame = large_map(seeded(10), 300)
    logged = [
        Logged(
            T, frame.series[name].metrics["requests"], list(series.metrics.values()), [False] * 5
        )
        for name, series in frame.logs.items()
    ]
    whole = could_change(logged, frame.baseline, frame.incident, 2.0)
    monkeypatch.setattr(log_screen, "VALUES", 7 * STEPS)  # a service and a bit per batch

    assert could_change(logged, frame.baseline, frame.incident, 2.0) == whole
    assert any(not all(verdicts) for verdicts in whole)
