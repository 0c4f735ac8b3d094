import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.errors import UsageError
from topology.timespec import format_time, parse_duration, parse_time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("2h", 7_200), ("1d", 86_400), ("2h30m", 9_000), (" 1W ", 604_800)],
)
def test_durations_are_read_in_their_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m", "5 minutes", "-5m", "0s", "1.5h", "5m5", "999999w"])
def test_malformed_durations_are_refused(text):
    with pytest.raises(UsageError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2026-05-01T03:00:00Z", 1_777_604_400),
        ("2026-05-01T05:00:00+02:00", 1_777_604_400),
        ("1777604400", 1_777_604_400),
        ("1777604400.9", 1_777_604_400),
    ],
)
def test_times_are_iso_8601_with_a_zone_or_unix_seconds(text, seconds):
    assert parse_time(text) == seconds


def test_a_time_without_a_zone_is_refused_as_ambiguous():
    with pytest.raises(UsageError, match="add a zone"):
        parse_time("2026-05-01T03:00:00")


@pytest.mark.parametrize("text", ["yesterday", "", "2026-13-01T00:00:00Z", "12:00"])
def test_unreadable_times_are_refused(text):
    with pytest.raises(UsageError, match="bad time"):
        parse_time(text)


@given(st.integers(min_value=0, max_value=4_000_000_000))
def test_formatted_times_read_back_to_the_same_second(seconds):
    assert parse_time(format_time(seconds)) == seconds


@given(st.text(max_size=20))
def test_any_text_is_a_duration_or_a_usage_error(text):
    with contextlib.suppress(UsageError):
        assert parse_duration(text) > 0


def test_a_time_no_calendar_holds_is_formatted_as_unix_seconds_not_an_error():
    assert format_time(10**16) == "@10000000000000000"
    assert format_time(-(10**12)) == "@-1000000000000"
    assert format_time(-5) == "1969-12-31T23:59:55Z"
