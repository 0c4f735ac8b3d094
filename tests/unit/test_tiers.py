from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from topology.retention import DAY, HOUR, Retention
from topology.tiers import held_tiers

NOW = 1_777_604_400  # 2026-05-01T03:00Z
WEEK_OF_MINUTES = Retention(minutes_s=2 * DAY, hours_s=14 * DAY, days_s=90 * DAY)


def test_a_store_younger_than_the_minute_retention_is_all_minutes():
    tiers = held_tiers(NOW - 3600, NOW, now_s=NOW, retention=WEEK_OF_MINUTES)
    assert [(t.name, t.step, t.start, t.end) for t in tiers] == [("minutes", 60, NOW - 3600, NOW)]


def test_a_long_store_is_days_then_hours_then_minutes_cut_where_compaction_cuts():
    tiers = held_tiers(NOW - 60 * DAY, NOW, now_s=NOW, retention=WEEK_OF_MINUTES)
    assert [t.name for t in tiers] == ["days", "hours", "minutes"]
    days, hours, minutes = tiers
    assert days.start == NOW - 60 * DAY
    assert days.end == hours.start == (NOW - 14 * DAY) // DAY * DAY
    assert hours.end == minutes.start == (NOW - 2 * DAY) // HOUR * HOUR
    assert minutes.end == NOW
    assert [t.step for t in tiers] == [DAY, HOUR, 60]


def test_a_store_whose_newest_bucket_is_old_ends_in_a_coarse_tier():
    last = NOW - 5 * DAY
    tiers = held_tiers(last - 3 * DAY, last, now_s=NOW, retention=WEEK_OF_MINUTES)
    assert [t.name for t in tiers] == ["hours"]
    assert (tiers[0].start, tiers[0].end) == (last - 3 * DAY, last)


@given(st.integers(0, 200 * DAY), st.integers(0, 200 * DAY))
def test_tiers_cover_first_to_last_in_order_without_gaps(age, length):
    last = NOW - age
    first = last - length
    tiers = held_tiers(first, last, now_s=NOW, retention=WEEK_OF_MINUTES)
    assert tiers
    assert tiers[0].start == first
    assert tiers[-1].end == last
    for before, after in pairwise(tiers):
        assert before.end == after.start
        assert before.step > after.step
