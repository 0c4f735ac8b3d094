"""Early warning decisions: a rising series is warned about before it crosses, noise is not."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.warnings.assess import Reading, Rules, assess, assess_all

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
def test_any_series_gets_an_answer_and_no_finding_lies_about_its_threshold(values, history):
    found = assess(reading(values, history), NOW)
    if found is not None:
        if found.kind == "trend":  # on its way to the threshold, not there yet
            assert found.level < found.threshold
        if found.kind == "past":  # there already
            assert found.level >= found.threshold
            assert found.eta_s == 0
        assert found.eta_s is None or 0 <= found.eta_s <= Rules().horizon_s


def test_a_rise_to_the_threshold_itself_is_past_it():
    found = assess(reading([0.0, 0.0, 0.0, 0.0, 5.0, 6.0], history=()), NOW)

    assert found is not None
    assert (found.kind, found.level, found.threshold, found.eta_s) == ("past", 5.0, 5.0, 0)


WEAK_RISE = (40, 52, 44, 60, 50, 58, 66, 56, 70, 62, 74, 68)
"""Rising, with ups and downs: a chance of about 1 in 1,000 that noise rises this steadily."""


def test_a_weak_rise_is_warned_about_alone_but_not_among_a_thousand_series():
    rules = Rules(horizon_s=86_400)
    alone = assess(reading(WEAK_RISE, history=(40, 41, 39)), NOW, rules)
    assert alone is not None
    assert alone.kind == "trend"
    flat = [reading([40] * 12, history=(40,)) for _ in range(999)]
    among = assess_all([reading(WEAK_RISE, history=(40, 41, 39)), *flat], NOW, rules)
    assert among == [None] * 1000


def test_a_steady_ramp_is_still_warned_about_among_a_thousand_series():
    ramp = reading([40 + 2 * i for i in range(12)], history=(40, 41, 39))
    flat = [reading([40] * 12, history=(40,)) for _ in range(999)]
    found = assess_all([*flat, ramp], NOW)
    assert found[:-1] == [None] * 999
    assert found[-1] is not None
    assert found[-1].kind == "trend"


def test_findings_come_back_in_the_order_of_the_readings():
    ramp = reading([40 + 2 * i for i in range(12)], history=(40, 41, 39))
    high = reading([90] * 12, history=(40, 42, 38))
    found = assess_all([high, reading([40] * 3), ramp], NOW)
    assert [f.kind if f else None for f in found] == ["unseasonal", None, "trend"]


def test_one_high_slice_is_not_unseasonal_but_the_last_three_are():
    one = reading([40] * 11 + [90], history=(40, 42, 38))
    two = reading([40] * 10 + [90, 90], history=(40, 42, 38))
    three = reading([40] * 9 + [90, 90, 90], history=(40, 42, 38))
    assert assess(one, NOW) is None
    assert assess(two, NOW) is None
    found = assess(three, NOW)
    assert found is not None
    assert found.kind == "unseasonal"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.floats(1, 500), min_size=6, max_size=12), min_size=1, max_size=20),
    st.floats(0.001, 0.5),
)
def test_a_lower_false_discovery_rate_never_finds_more_trends(series, rate):
    readings = [reading(values, history=(40,)) for values in series]
    strict = assess_all(readings, NOW, Rules(false_discovery=rate / 10))
    loose = assess_all(readings, NOW, Rules(false_discovery=rate))
    strict_trends = {i for i, f in enumerate(strict) if f is not None and f.kind == "trend"}
    loose_trends = {i for i, f in enumerate(loose) if f is not None and f.kind == "trend"}
    assert strict_trends <= loose_trends


def test_a_level_that_stays_past_its_threshold_and_keeps_rising_is_warned_about():
    # Without earlier days: ~1 ms usual, then a fast ramp that went by 6 ms inside a slice.
    values = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 8.0, 20.0, 35.0, 50.0]
    found = assess(reading(values), NOW)
    assert found is not None
    assert (found.kind, found.level, found.eta_s) == ("past", 35.0, 0)
    assert found.threshold == pytest.approx(6.0)


def test_one_slice_past_the_threshold_is_not_a_rise_past_it():
    values = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 1.0, 1.1, 1.0, 50.0]
    assert assess(reading(values), NOW) is None


def test_a_level_past_its_threshold_that_is_flat_again_is_not_a_rise_past_it():
    # Stepped up long ago and stayed: no longer rising, nothing new to say.
    values = [50.0, 51.0, 49.0, 50.0, 50.5, 49.5, 50.0, 51.0, 49.0, 50.0, 50.5, 49.5]
    history = ()
    assert assess(reading(values, history), NOW) is None


def test_noise_past_the_threshold_is_kept_under_the_false_discovery_bound():
    # 2,000 series well past the threshold of their earlier days, without any rise in the
    # window: whatever is called a rise past it is chance, bounded by the procedure.
    rng = random.Random(11)  # noqa: S311 - noise for a test, not a secret
    readings = [
        reading([50 + rng.gauss(0, 5) for _ in range(12)], history=(1.0, 1.1, 0.9))
        for _ in range(2000)
    ]
    found = assess_all(readings, NOW)
    assert sum(1 for f in found if f is not None and f.kind == "past") <= 2000 * 0.05


def test_a_step_up_that_holds_past_the_threshold_is_not_a_rise_past_it():
    # Stepped past the threshold and no higher since: not rising (earlier days, where
    # there are any, can call it unseasonal).
    values = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 30.0, 31.0, 30.5, 30.8]
    assert assess(reading(values), NOW) is None


def test_a_rise_past_the_threshold_is_kept_by_the_chance_of_its_run_among_many_series():
    # Two slices past, rising, of twelve: chance 1/132, kept alone but not among 20 series
    # of noise (Benjamini-Hochberg needs 0.05/20 at rank 1); three slices (1/1320) are.
    two = reading([1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 1.0, 20.0, 35.0])
    three = reading([1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 8.0, 20.0, 35.0])
    assert assess(two, NOW) is not None
    quiet_pass = [reading([1.0 + 0.05 * ((i * 7) % 5) for i in range(12)]) for _ in range(19)]
    assert assess_all([*quiet_pass, two], NOW)[-1] is None
    found = assess_all([*quiet_pass, three], NOW)[-1]
    assert found is not None
    assert found.kind == "past"


def test_a_rise_past_the_threshold_is_broken_by_a_slice_below_it_or_below_an_earlier_one():
    below = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 8.0, 20.0, 5.0, 50.0]
    lower = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 8.0, 30.0, 20.0, 50.0]
    rising = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 8.0, 20.0, 30.0, 50.0]
    assert assess(reading(below), NOW) is None
    assert assess(reading(lower), NOW, Rules(past_points=3)) is None
    found = assess(reading(rising), NOW, Rules(past_points=3))
    assert found is not None
    assert found.kind == "past"


def test_a_rise_past_the_threshold_counts_its_first_slice_though_it_stayed_below():
    # A fast ramp began late in the slice holding 3 ms: that slice is already above every
    # earlier one, though below the 6 ms threshold. Three rising slices (1/1320) are kept
    # among 20 series; the two past the threshold alone (1/132) would not be.
    ramp = reading([1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 3.0, 20.0, 35.0])
    quiet_pass = [reading([1.0 + 0.05 * ((i * 7) % 5) for i in range(12)]) for _ in range(19)]
    found = assess_all([*quiet_pass, ramp], NOW)[-1]
    assert found is not None
    assert (found.kind, found.level, found.eta_s) == ("past", 20.0, 0)
    assert found.threshold == pytest.approx(6.0)


def minutes_of(values, minutes):
    times = tuple(NOW - STEP * (len(values) - i) for i in range(len(values)))
    return Reading("cart", "latency_ms", times, tuple(values), minutes=tuple(minutes))


def test_a_fast_ramp_is_past_its_threshold_in_its_minutes_before_its_slices_show_it():
    # ~1 ms usual; a 5 ms/min ramp began three minutes ago: the last slice holds it diluted
    # by two quiet minutes, the minutes show three new highs past 6 ms (chance 1/2,730 of
    # fifteen), kept among 20 series (Benjamini-Hochberg needs 0.05/20 at rank 1).
    quiet = [1.0 + 0.05 * ((i * 7) % 5) for i in range(12)]
    slices = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 1.0, 1.1, 5.7]
    assert assess(reading(slices), NOW) is None
    quiet_pass = [reading([1.0 + 0.05 * ((i * 7) % 5) for i in range(12)]) for _ in range(19)]
    found = assess_all([*quiet_pass, minutes_of(slices, [*quiet, 3.5, 8.5, 13.5])], NOW)[-1]
    assert found is not None
    assert (found.kind, found.level, found.eta_s) == ("past", 8.5, 0)
    assert found.threshold == pytest.approx(6.0)
    # Two new highs (1/210) are not.
    two = minutes_of(slices, [*quiet, 1.0, 8.5, 13.5])
    assert assess_all([*quiet_pass, two], NOW)[-1] is None


def test_minutes_past_the_threshold_that_no_longer_rise_are_not_a_rise_past_it():
    quiet = [1.0 + 0.05 * ((i * 7) % 5) for i in range(12)]
    slices = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 1.0, 1.1, 5.7]
    stepped = minutes_of(slices, [*quiet, 9.0, 8.5, 8.8])
    one_minute = minutes_of(slices, [*quiet, 1.0, 1.1, 30.0])
    assert assess(stepped, NOW) is None
    assert assess(one_minute, NOW) is None


def test_minute_noise_past_the_threshold_is_kept_under_the_false_discovery_bound():
    rng = random.Random(12)  # noqa: S311 - noise for a test, not a secret
    readings = [
        minutes_of([1.0] * 12, [50 + rng.gauss(0, 5) for _ in range(15)]) for _ in range(2000)
    ]
    found = assess_all(readings, NOW)
    assert sum(1 for f in found if f is not None and f.kind == "past") <= 2000 * 0.05


def test_a_rise_whose_last_slice_is_below_the_threshold_is_not_past_it():
    # Each slice higher than all before, but the last still under 6 ms: a trend's to tell.
    values = [1.0, 0.9, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 5.0, 5.5, 5.9]
    found = assess(reading(values), NOW)
    assert found is None or found.kind != "past"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0, 1e3), min_size=6, max_size=12), st.integers(2, 4))
def test_a_rise_past_the_threshold_ends_past_it_on_a_run_of_new_highs(values, points):
    found = assess(reading(values), NOW, Rules(past_points=points))
    if found is not None and found.kind == "past":
        assert values[-1] >= found.threshold
        assert found.level >= found.threshold
        for i in range(len(values) - points, len(values)):
            assert values[i] > max(values[:i])
