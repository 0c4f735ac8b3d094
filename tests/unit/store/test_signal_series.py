"""Stored signal counts read back as series: each minute's value at its place."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.store.columns import MINUTE
from bot.adapters.store.signal_rows import minute_starts, series_of

START = 1_700_000_040

minutes = st.integers(-3, 12).map(lambda step: START + step * MINUTE) | st.integers(
    START - 200, START + 800
)
values = st.dictionaries(minutes, st.floats(0.0, 1e6), max_size=12)
counts = st.dictionaries(
    st.sampled_from(["svc-a", "svc-b", "svc-c"]),
    st.dictionaries(st.sampled_from(["level:ERROR", "template:x <*>", "cpu"]), values),
)


@settings(max_examples=200, deadline=None)
@given(counts, st.integers(0, 400), st.integers(0, 600), st.sampled_from([0.0, None]))
def test_each_minute_of_a_series_holds_its_stored_value_or_the_missing_one(
    stored, start_offset, length, missing
):
    start, end = START - 200 + start_offset, START - 200 + start_offset + length

    found = series_of(stored, start, end, missing=missing)

    t = minute_starts(start, end)
    assert found.keys() == {service for service, series in stored.items() if series}
    for service, series in found.items():
        assert series.t == t
        assert series.metrics == {
            key: tuple(by_minute.get(int(minute), missing) for minute in t)
            for key, by_minute in stored[service].items()
        }
        assert list(series.metrics) == sorted(series.metrics)
