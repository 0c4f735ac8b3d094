"""Early warning decisions: a rising series is warned about before it crosses, noise is not."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.warnings.assess import Reading, Rules, assess

NOW = 1_800_000_000
STEP = 300


def reading(values, history=(), metric="latency_ms"):
    times = tuple(NOW - STEP * (len(values) - i) for i in range(len(values)))
    return Reading("cart", metric, times, tuple(values), tuple(history))


def test_a_steady_ramp_is_warned_about_with_the_time_until_it_crosses():
    # 40 ms usual, +2 ms a slice: 80 ms (twice the usual) is reached about 8 slices after now.
    values = [40 + 2 * i for i in range(12)]
    found = assess(reading(values, history=(40, 41, 39)), NOW)
    assert found is not None
    assert found.kind == "trend"
    assert found.threshold == 80
    assert 6 * STEP <= found.eta_s <= 10 * STEP


def test_a_ramp_that_would_take_longer_than_the_horizon_is_not_warned_about():
    values = [40 + 0.1 * i for i in range(12)]
    assert assess(reading(values, history=(40, 40, 40)), NOW) is None


def test_flat_noise_around_the_usual_level_is_not_warned_about():
    rng = random.Random(7)  # noqa: S311 - noise for a test, not a secret
    for _ in range(200):
        values = [40 + rng.gauss(0, 3) for _ in range(12)]
        assert assess(reading(values, history=(40, 41, 39)), NOW) is None


def test_a_level_far_above_the_same_hours_of_earlier_days_is_unseasonal():
    found = assess(reading([90] * 12, history=(40, 42, 38)), NOW)
    assert found is not None
    assert (found.kind, found.level, found.usual, found.eta_s) == ("unseasonal", 90, 40, None)


def test_a_level_that_earlier_days_also_reached_is_not_unseasonal():
    assert assess(reading([90] * 12, history=(40, 42, 95)), NOW) is None


def test_without_earlier_days_only_a_trend_is_told_measured_from_the_window_itself():
    assert assess(reading([90] * 12), NOW) is None
    found = assess(reading([40 + 4 * i for i in range(12)]), NOW)
    assert found is not None
    assert found.kind == "trend"


def test_rising_errors_are_forecast_to_cross_the_usual_share_plus_the_margin():
    values = [0.5 + 0.4 * i for i in range(12)]
    found = assess(reading(values, history=(0.5, 0.4), metric="error_pct"), NOW)
    assert found is not None
    assert found.kind == "trend"
    assert found.threshold == pytest.approx(5.45)


def test_a_rise_still_close_to_the_usual_level_is_not_fitted_yet():
    values = [40 + 0.5 * i for i in range(12)]
    assert assess(reading(values, history=(40,)), NOW, Rules(horizon_s=86_400)) is None
    assert (
        assess(reading(values, history=(40,)), NOW, Rules(horizon_s=86_400, fit_from=0)) is not None
    )


def test_too_few_measured_slices_say_nothing():
    values = [None] * 8 + [40, 60, 80, 100]
    assert assess(reading(values, history=(40,)), NOW) is None


def test_the_rules_set_the_horizon():
    values = [40 + 2.5 * i for i in range(12)]
    assert assess(reading(values, history=(40,)), NOW, Rules(horizon_s=600)) is None
    assert assess(reading(values, history=(40,)), NOW, Rules(horizon_s=86_400)) is not None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(0, 1e6)), min_size=0, max_size=30),
    st.lists(st.floats(0, 1e6), max_size=7),
)
def test_any_series_gets_an_answer_and_a_trend_never_lies_about_its_threshold(values, history):
    found = assess(reading(values, history), NOW)
    if found is not None:
        assert found.level < found.threshold or found.kind == "unseasonal"
        assert found.eta_s is None or 0 <= found.eta_s <= Rules().horizon_s
