"""How `svcmap sources` judges a source: lag from the high water, stale past three intervals."""

from __future__ import annotations

from bot.adapters.store.sources_state import SourceState
from bot.usecases.staleness import status_of

NOW = 1_700_000_070


def test_the_lag_is_the_time_since_the_high_water():
    status = status_of(
        "zipkin", SourceState("zipkin", NOW - 90), configured=True, now_s=NOW, interval_s=60
    )
    assert (status.lag_s, status.stale, status.condition) == (90, False, "ok")


def test_a_source_lagging_more_than_three_intervals_is_stale():
    state = SourceState("zipkin", NOW - 181)
    status = status_of("zipkin", state, configured=True, now_s=NOW, interval_s=60)
    assert (status.stale, status.condition) == (True, "stale")


def test_a_source_never_pulled_is_stale_with_no_lag():
    status = status_of("tempo", None, configured=True, now_s=NOW, interval_s=60)
    assert (status.lag_s, status.stale, status.condition) == (None, True, "never pulled")


def test_a_source_no_longer_configured_says_so():
    status = status_of(
        "jaeger", SourceState("jaeger", NOW), configured=False, now_s=NOW, interval_s=60
    )
    assert status.condition == "not configured"
