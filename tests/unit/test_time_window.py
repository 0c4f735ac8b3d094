"""Which record times are stored: live ones near now, imported ones after 1970 and not far ahead."""

from hypothesis import given
from hypothesis import strategies as st

from topology.model import Span
from topology.signals.model import LogExport, LogRecord, MetricExport, MetricPoint
from topology.time_window import (
    DAY,
    TimeWindow,
    import_window,
    live_window,
    restrict_logs,
    restrict_metrics,
    spans_within,
)

NOW = 1_700_000_070
RETENTION = 2 * DAY


def span(start_s: int | None) -> Span:
    start_us = None if start_s is None else start_s * 1_000_000
    return Span("t", f"s{start_s}", None, None, "a", "b", start_us=start_us)


def test_live_spans_older_than_the_minute_retention_or_past_the_skew_are_refused():
    window = live_window(NOW, retention_s=RETENTION, skew_s=600)
    spans = [span(NOW - RETENTION - 1), span(NOW - RETENTION), span(NOW + 600), span(NOW + 601)]

    kept, refused = spans_within(spans, window)

    assert [s.start_us for s in kept] == [(NOW - RETENTION) * 10**6, (NOW + 600) * 10**6]
    assert refused == 2
    assert "retention" in window.reason


def test_a_span_without_a_start_counts_now_and_is_kept():
    kept, refused = spans_within([span(None)], live_window(NOW, retention_s=RETENTION))
    assert (len(kept), refused) == (1, 0)


def test_an_import_takes_last_years_spans_but_not_tomorrows_or_before_1970():
    window = import_window(NOW)
    spans = [span(NOW - 365 * DAY), span(-1), span(NOW + DAY), span(NOW + DAY + 1)]

    kept, refused = spans_within(spans, window)

    assert [s.start_us for s in kept] == [(NOW - 365 * DAY) * 10**6, (NOW + DAY) * 10**6]
    assert refused == 2
    assert "1970" in window.reason


@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_any_start_is_either_kept_or_counted_refused(start_us):
    kept, refused = spans_within(
        [Span("t", "s", None, None, "a", "b", start_us=start_us)],
        live_window(NOW, retention_s=RETENTION),
    )
    assert len(kept) + refused == 1


@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=-(2**66), max_value=2**66)), max_size=8),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=0, max_value=2**20),
)
def test_a_span_is_kept_exactly_when_the_window_admits_its_second(starts, earliest_s, width_s):
    window = TimeWindow(earliest_s, earliest_s + width_s, "out")
    spans = [Span("t", f"s{i}", None, None, "a", "b", start_us=s) for i, s in enumerate(starts)]

    kept, refused = spans_within(spans, window)

    admitted = [s for s in spans if s.start_us is None or window.admits(s.start_us // 1_000_000)]
    assert kept == admitted
    assert refused == len(spans) - len(admitted)


def test_log_records_and_metric_points_outside_the_window_are_refused_and_counted():
    window = live_window(NOW, retention_s=RETENTION, skew_s=600)
    minute = NOW - NOW % 60
    logs = LogExport([LogRecord("a", m, "info", "x", 1) for m in (minute, minute + DAY)])
    points = MetricExport([MetricPoint("a", "m", m, 1.0) for m in (minute - 3 * DAY, minute)])

    restrict_logs(logs, window)
    restrict_metrics(points, window)

    assert [r.minute for r in logs.records] == [minute]
    assert [p.minute for p in points.points] == [minute]
    assert (logs.refused.count, points.refused.count) == (1, 1)
    assert logs.refused.reason == window.reason
