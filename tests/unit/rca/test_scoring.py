"""Anomaly scores: robust to baseline spikes, sane on flat series, aware of direction."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.rca.ranking import QUIET_THRESHOLD
from topology.rca.scoring import METRIC_INFO, Family, relevant, robust_score, small_sample

from .factories import series, wobble

LATENCY = METRIC_INFO["latency_avg_ms"]
AVAILABILITY = METRIC_INFO["availability_pct"]
REQUESTS = METRIC_INFO["requests"]
ERRORS = METRIC_INFO["errors"]


def score(baseline, incident, metric=LATENCY):
    scored = robust_score(baseline, incident, metric)
    assert scored is not None
    return scored.score


def test_a_fourfold_latency_rise_clears_the_quiet_threshold():
    assert score(wobble(50.0), [200.0] * 4) >= QUIET_THRESHOLD


def test_one_spike_in_the_baseline_does_not_blind_the_score():
    spiked = wobble(50.0)
    spiked[10] = 5_000.0

    assert score(spiked, [200.0] * 4) >= QUIET_THRESHOLD
    assert score(spiked, [200.0] * 4) == pytest.approx(score(wobble(50.0), [200.0] * 4), rel=0.05)


def test_the_incident_window_like_the_baseline_scores_near_zero():
    assert score(wobble(50.0), wobble(50.0, 6)) < 1


def test_a_flat_baseline_neither_divides_by_zero_nor_alarms_on_a_small_change():
    assert score([100.0] * 30, [100.0] * 5) == 0
    assert score([100.0] * 30, [102.0] * 5) < QUIET_THRESHOLD
    assert math.isfinite(score([100.0] * 30, [400.0] * 5))
    assert score([100.0] * 30, [400.0] * 5) >= QUIET_THRESHOLD


def test_errors_from_a_flat_zero_baseline_score_by_the_absolute_floor():
    assert score([0.0] * 30, [0.0] * 5, ERRORS) == 0
    assert score([0.0] * 30, [20.0] * 5, ERRORS) >= QUIET_THRESHOLD


def test_latency_only_counts_going_up():
    assert score(wobble(50.0), [5.0] * 4) == 0


def test_availability_counts_going_down_and_not_up():
    assert score([100.0] * 30, [97.0] * 4, AVAILABILITY) >= QUIET_THRESHOLD
    assert score([97.0] * 30, [100.0] * 4, AVAILABILITY) == 0


def test_requests_count_dropping_not_rising():
    assert score(wobble(1_000.0), [300.0] * 4, REQUESTS) >= QUIET_THRESHOLD
    assert score(wobble(1_000.0), [3_000.0] * 4, REQUESTS) == 0


def test_a_single_bad_step_in_the_incident_window_is_not_an_incident():
    assert score(wobble(50.0), [50.0, 50.0, 900.0, 50.0]) < 1


def test_an_incident_seen_in_one_step_is_judged_against_the_baselines_single_steps():
    lone_spikes = wobble(50.0)
    for at in (5, 20, 35, 50):
        lone_spikes[at] = 300.0

    assert score(lone_spikes, [300.0]) < QUIET_THRESHOLD
    assert score(wobble(50.0), [300.0]) >= QUIET_THRESHOLD


def test_a_rise_seen_in_one_step_counts_for_half_of_one_seen_in_two():
    one, two = score(wobble(50.0), [300.0]), score(wobble(50.0), [300.0, 300.0])

    assert one == pytest.approx(two / 2, rel=0.1)


def test_a_rise_held_for_steps_is_not_hidden_by_lone_baseline_spikes():
    lone_spikes = wobble(50.0)
    for at in (5, 20, 35, 50):
        lone_spikes[at] = 300.0

    assert score(lone_spikes, [300.0] * 4) >= QUIET_THRESHOLD


def test_a_baseline_that_often_bursts_that_high_does_not_alarm():
    bursty = [50.0, 50.0, 300.0, 300.0] * 15

    assert score(bursty, [300.0] * 4) < QUIET_THRESHOLD


def test_a_rise_after_two_baseline_steps_counts_for_less_than_after_thirty():
    rise = [200.0] * 4

    assert score([50.0] * 30, rise) >= QUIET_THRESHOLD
    assert score([50.0] * 2, rise) < score([50.0] * 30, rise) / 5
    assert robust_score([50.0] * 2, [60.0] * 4, LATENCY, cutoff=QUIET_THRESHOLD) is None


@given(points=st.integers(min_value=0, max_value=2_000))
def test_the_spread_is_widened_less_the_more_baseline_steps_there_are(points):
    assert small_sample(points) >= small_sample(points + 1) >= 1
    if points >= 30:
        assert small_sample(points) - 1 < 2 / points


def test_the_symptoms_metric_family_is_preferred_when_the_service_has_it():
    both = series(latency_avg_ms=[50.0, 51.0], availability_pct=[100.0, 99.0], saturation=[1, 2])
    only_availability = series(availability_pct=[100.0, 99.0])

    assert relevant(both, Family.LATENCY) == ("latency_avg_ms",)
    assert relevant(both, None) == ("latency_avg_ms", "availability_pct")
    assert relevant(only_availability, Family.LATENCY) == ("availability_pct",)


def test_with_a_cutoff_only_metrics_that_reach_it_are_scored():
    assert robust_score(wobble(50.0), [52.0] * 4, LATENCY, cutoff=QUIET_THRESHOLD) is None
    reaching = robust_score(wobble(50.0), [400.0] * 4, LATENCY, cutoff=QUIET_THRESHOLD)
    assert reaching is not None
    assert reaching == robust_score(wobble(50.0), [400.0] * 4, LATENCY)


def test_evidence_says_the_ratio_and_the_numbers():
    scored = robust_score([50.0] * 30, [205.0] * 4, LATENCY)
    assert scored is not None

    assert scored.describe() == "average latency 4.1x baseline (205 ms vs 50 ms)"


def test_symptom_metric_names_map_to_families():
    assert Family.of("latency") is Family.LATENCY
    assert Family.of("availability") is Family.ERRORS
    assert Family.of("requests") is Family.TRAFFIC
    assert Family.of("saturation") is None
    assert Family.of(None) is None


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@given(
    baseline=st.lists(finite, min_size=1, max_size=40),
    incident=st.lists(finite, min_size=1, max_size=10),
    key=st.sampled_from(sorted(METRIC_INFO)),
)
def test_scores_are_finite_and_never_negative_for_any_finite_series(baseline, incident, key):
    scored = robust_score(baseline, incident, METRIC_INFO[key])

    assert scored is not None
    assert math.isfinite(scored.score)
    assert scored.score >= 0
    assert isinstance(scored.describe(), str)
