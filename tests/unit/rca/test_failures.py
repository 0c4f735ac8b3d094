"""Failed requests read as counts that follow the traffic, not as a level of availability."""

import random

from hypothesis import example, given
from hypothesis import strategies as st

from topology.rca import extremes, rank
from topology.rca.gather import gather
from topology.rca.ranking import QUIET_THRESHOLD
from topology.rca.scoring import METRIC_INFO, failure_score, metric_scores, robust_score
from topology.rca.snapshot import Series

from .factories import BASELINE_STEPS, INCIDENT_STEPS, series, snapshot, wobble

AVAILABILITY = METRIC_INFO["availability_pct"]


def counted(requests: float, before: list[float], during: list[float]) -> Series:
    """`requests` a minute throughout; failures a minute cycling through `before`, `during`."""
    failed = [before[i % len(before)] for i in range(BASELINE_STEPS)]
    failed += [during[i % len(during)] for i in range(INCIDENT_STEPS)]
    return series(
        requests=[requests] * len(failed),
        errors=failed,
        availability_pct=[100.0 * (1 - f / requests) for f in failed],
        latency_avg_ms=[*wobble(20.0), *wobble(20.0, INCIDENT_STEPS)],
    )


def availability(s: Series) -> float:
    frame = snapshot([], {"x": s})
    found = metric_scores(s, frame.baseline, frame.incident, keys=["availability_pct"])
    return found[0].score


# A busy service failing one request in five minutes, then one a minute: 4 of 360.
BUSY_BLIP = counted(90.0, [0, 0, 0, 0, 1], [0, 1, 1, 1, 1, 0])
# A quiet one failing one request in fifty, then one in five.
QUIET_FAILING = counted(25.0, [0, 1], [5])


def test_a_few_failures_of_many_requests_are_chance_where_a_share_of_a_few_is_not():
    assert availability(BUSY_BLIP) < QUIET_THRESHOLD / 2
    assert availability(QUIET_FAILING) >= 2 * QUIET_THRESHOLD


def test_the_level_per_minute_would_have_read_them_the_other_way_round():
    # What the counts correct: one failure in a quiet minute moved the level as much as
    # hundreds in a busy one, and a baseline's wobble hid a fifth of requests failing.
    def level(s: Series) -> float:
        values = s.metrics["availability_pct"]
        scored = robust_score(values[:BASELINE_STEPS], values[BASELINE_STEPS:], AVAILABILITY)
        assert scored is not None
        return scored.score

    assert level(BUSY_BLIP) >= QUIET_THRESHOLD
    assert level(QUIET_FAILING) < QUIET_THRESHOLD


def test_the_service_failing_a_share_of_its_requests_is_the_one_named():
    frame = snapshot(
        [("frontend", "catalog"), ("frontend", "checkout")],
        {"catalog": BUSY_BLIP, "checkout": QUIET_FAILING},
    )

    assert [c.service for c in rank(frame, "frontend").candidates] == ["checkout"]


def test_the_levels_shown_are_the_usual_share_answered_and_the_incidents():
    found = failure_score([(1.0, 50.0)] * 30 + [(40.0, 50.0)] * 3, [(10.0, 50.0)] * 3, AVAILABILITY)

    assert found is not None
    assert found.baseline == 98.0  # the earlier episode of 40 failures is not usual
    assert found.worst == 80.0
    assert found.describe() == "availability down to 80% (baseline 98%)"


def test_fewer_failures_than_usual_are_no_evidence():
    assert failure_score([(5.0, 50.0)] * 30, [(0.0, 50.0)] * 3, AVAILABILITY, cutoff=1.0) is None
    found = failure_score([(5.0, 50.0)] * 30, [(0.0, 50.0)] * 3, AVAILABILITY)
    assert found is not None
    assert found.score == 0.0


def test_steps_that_served_nothing_say_nothing_of_failing():
    assert failure_score([(0.0, 0.0)] * 30, [(3.0, 10.0)] * 3, AVAILABILITY) is None
    assert failure_score([(0.0, 50.0)] * 30, [(0.0, 0.0)] * 3, AVAILABILITY) is None


def test_a_series_that_counts_no_failures_keeps_its_availability_read_as_a_level():
    levels = series(availability_pct=[*[100.0] * BASELINE_STEPS, *[80.0] * INCIDENT_STEPS])

    assert availability(levels) >= QUIET_THRESHOLD


def test_failures_of_a_large_map_are_found_as_reading_every_series_finds(monkeypatch):
    rng = random.Random(5)  # noqa: S311 - made-up counts, not secrets
    health = {}
    for i in range(1_600):
        served = rng.choice([5.0, 40.0, 400.0])
        share = 0.2 if i % 97 == 0 else 0.0
        health[f"svc-{i:04d}"] = counted(
            served,
            [float(rng.random() < 0.05) for _ in range(7)],
            [round(served * share) + float(rng.random() < 0.05) for _ in range(3)],
        )
    frame = snapshot([], health)
    names = sorted(health)
    together = gather(frame, names, None, QUIET_THRESHOLD).evidence
    monkeypatch.setattr(extremes, "SCREENED_FROM", 10**9)

    one_at_a_time = gather(frame, names, None, QUIET_THRESHOLD).evidence

    assert together == one_at_a_time
    assert {name for name in together if int(name[4:]) % 97 == 0} <= set(together)
    assert len(together) >= 1_600 // 97


@given(
    st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e6)), max_size=40),
    st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e6)), max_size=6),
)
@example(before=[(0.0, 1.0), (0.0, 5e-324)], during=[(0.0, 2.0)])  # an expected count of 0.0
def test_any_counts_give_a_score_and_levels_within_bounds_or_none(before, during):
    found = failure_score(before, during, AVAILABILITY)
    assert found is None or (found.score >= 0 and 0 <= found.worst <= 100)
    assert found is None or 0 <= found.baseline <= 100


def test_twice_the_requests_failing_as_often_is_no_failure():
    doubled = series(
        requests=[*[1_000.0] * BASELINE_STEPS, *[2_000.0] * INCIDENT_STEPS],
        errors=[*[100.0] * BASELINE_STEPS, *[200.0] * INCIDENT_STEPS],
        availability_pct=[90.0] * (BASELINE_STEPS + INCIDENT_STEPS),
    )
    frame = snapshot([], {"x": doubled})

    found = metric_scores(doubled, frame.baseline, frame.incident, cutoff=1.0)

    assert [s.metric.key for s in found] == []
    assert rank(snapshot([("frontend", "x")], {"x": doubled}), "frontend").candidates == ()
