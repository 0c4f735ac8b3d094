"""Recent spans kept per trace, so spans exported apart are linked together."""

from bot.usecases.receiving import RecentTraces
from topology.model import Span, SpanKind


def span(trace_id, span_id, service, kind=SpanKind.SERVER):
    return Span(trace_id, span_id, None, kind, service, None)


def test_spans_of_a_trace_seen_before_come_back_with_the_new_ones():
    recent = RecentTraces()
    first = span("t1", "a", "frontend", SpanKind.CLIENT)
    recent.add([first, span("t2", "x", "other")], now_s=0)

    together = recent.add([span("t1", "b", "cart")], now_s=1)

    assert [s.span_id for s in together] == ["a", "b"]


def test_a_span_received_twice_is_kept_once():
    recent = RecentTraces()
    recent.add([span("t1", "a", "cart")], now_s=0)

    assert len(recent.add([span("t1", "a", "cart")], now_s=0)) == 1
    assert len(recent) == 1


def test_old_traces_are_forgotten():
    recent = RecentTraces(keep_seconds=10)
    recent.add([span("t1", "a", "cart")], now_s=0)

    assert recent.add([span("t1", "b", "cart")], now_s=11) == [span("t1", "b", "cart")]
    assert len(recent) == 1


def test_the_oldest_traces_go_first_when_too_many_spans_are_kept():
    recent = RecentTraces(keep_spans=2)
    recent.add([span("t1", "a", "x"), span("t2", "b", "x")], now_s=0)
    recent.add([span("t3", "c", "x")], now_s=0)

    assert len(recent) == 2
    assert recent.add([span("t1", "d", "x")], now_s=0) == [span("t1", "d", "x")]
