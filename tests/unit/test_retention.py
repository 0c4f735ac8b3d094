from hypothesis import given
from hypothesis import strategies as st

from topology.retention import DAY, HOUR, Retention, cuts, floor_to

MIDNIGHT = 1_699_920_000
"""Midnight UTC."""
DEFAULTS = Retention(minutes_s=2 * DAY, hours_s=30 * DAY, days_s=400 * DAY)


def test_a_minute_rolls_into_the_hour_it_starts_in_and_an_hour_into_its_utc_day():
    assert floor_to(MIDNIGHT + 10 * HOUR + 59 * 60, HOUR) == MIDNIGHT + 10 * HOUR
    assert floor_to(MIDNIGHT + 23 * HOUR, DAY) == MIDNIGHT
    assert floor_to(MIDNIGHT + DAY, DAY) == MIDNIGHT + DAY


def test_only_whole_hours_and_days_past_their_retention_are_cut():
    now = MIDNIGHT + 10 * HOUR + 25 * 60
    found = cuts(now, DEFAULTS)
    assert found.minutes_before == MIDNIGHT - 2 * DAY + 10 * HOUR
    assert found.hours_before == MIDNIGHT - 30 * DAY
    assert found.days_before == MIDNIGHT - 400 * DAY


def test_the_minutes_of_the_hour_reaching_into_the_retention_are_kept():
    now = MIDNIGHT + 10 * HOUR
    assert cuts(now, DEFAULTS).minutes_before == now - 2 * DAY
    assert cuts(now - 1, DEFAULTS).minutes_before == now - 2 * DAY - HOUR


@given(
    now=st.integers(min_value=0, max_value=4_000_000_000),
    minutes=st.integers(min_value=1, max_value=100 * DAY),
    more_hours=st.integers(min_value=0, max_value=100 * DAY),
    more_days=st.integers(min_value=0, max_value=1000 * DAY),
)
def test_coarser_tiers_are_cut_no_later_than_finer_ones_and_never_inside_the_retention(
    now, minutes, more_hours, more_days
):
    retention = Retention(minutes, minutes + more_hours, minutes + more_hours + more_days)
    found = cuts(now, retention)
    assert found.days_before <= found.hours_before <= found.minutes_before
    assert found.minutes_before <= now - retention.minutes_s
    assert found.hours_before <= now - retention.hours_s
    assert found.days_before <= now - retention.days_s
    assert found.minutes_before % HOUR == found.hours_before % DAY == found.days_before % DAY == 0
