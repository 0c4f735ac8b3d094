"""A log series read in full minutes: the quick reading agrees with `count_change` on pairs."""

from hypothesis import given, settings
from hypothesis import strategies as st

from topology.rca.counts import count_change
from topology.rca.logs import Minutes
from topology.rca.snapshot import Series

from .factories import BASELINE_STEPS, INCIDENT_STEPS, latency, snapshot

STEPS = BASELINE_STEPS + INCIDENT_STEPS

counts = st.lists(st.integers(min_value=0, max_value=60).map(float), min_size=STEPS, max_size=STEPS)
requests = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=1.0, max_value=500.0)),
    min_size=STEPS,
    max_size=STEPS,
)


def minutes_of(served: list[float]) -> Minutes | None:
    health = latency(20, 20)
    frame = snapshot([], {"route": health})
    return Minutes.of(health.t, Series(health.t, {"requests": tuple(served)}), frame)


@settings(max_examples=300, deadline=None)
@given(counts, requests, st.sampled_from([0.5, 2.0, 8.0]))
def test_the_quick_reading_of_a_series_without_gaps_is_the_reading_of_its_pairs(
    logged: list[float], served: list[float], cutoff: float
) -> None:
    minutes = minutes_of(served)
    if minutes is None:
        return
    before = [(logged[i], served[i]) for i in minutes.before]
    during = [(logged[i], served[i]) for i in minutes.during]

    assert minutes.change(logged, cutoff) == count_change(before, during, cutoff)


@settings(max_examples=100, deadline=None)
@given(counts, st.integers(min_value=0, max_value=STEPS - 1), st.sampled_from([2.0, 8.0]))
def test_a_series_with_a_minute_missing_is_read_without_that_minute(
    logged: list[float], missing: int, cutoff: float
) -> None:
    minutes = minutes_of([100.0] * STEPS)
    assert minutes is not None
    gapped: list[float | None] = [*logged]
    gapped[missing] = None
    before = [(c, 100.0) for i in minutes.before if (c := gapped[i]) is not None]
    during = [(c, 100.0) for i in minutes.during if (c := gapped[i]) is not None]

    assert minutes.change(gapped, cutoff) == count_change(before, during, cutoff)


def test_a_sudden_burst_of_lines_is_found_by_the_quick_reading():
    minutes = minutes_of([100.0] * STEPS)
    assert minutes is not None
    logged = [5.0, 6.0, 4.0, 5.0] * (BASELINE_STEPS // 4) + [5.0] * (BASELINE_STEPS % 4)
    logged += [80.0] * INCIDENT_STEPS

    change = minutes.change(logged, 8.0)

    assert change is not None
    assert change.up
    assert change.score > 8.0
