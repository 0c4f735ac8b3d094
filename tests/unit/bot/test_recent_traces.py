"""Recent spans kept per trace, so spans exported apart are linked together."""

from bot.usecases.recent_traces import RecentTraces
from topology.model import NodeKind, Span, SpanKind


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


def client(trace_id, span_id, service, peer, parent_id=None):
    return Span(trace_id, span_id, parent_id, SpanKind.CLIENT, service, peer)


def server(trace_id, span_id, service, parent_id):
    return Span(trace_id, span_id, parent_id, SpanKind.SERVER, service, None)


def ids(spans):
    return sorted(s.span_id for s in spans)


def test_a_client_span_naming_its_peer_waits_for_the_server_span():
    recent = RecentTraces(pairing_wait=10)

    assert recent.add([client("t1", "c", "frontend", "cart")], now_s=0) == []
    assert recent.waiting == 1
    assert recent.due(now_s=5) == []

    together = recent.add([server("t1", "s", "cart", "c")], now_s=5)

    assert ids(together) == ["c", "s"]
    assert recent.waiting == 0
    assert recent.due(now_s=100) == []


def test_a_server_sharing_the_client_span_id_answers_it_too():
    recent = RecentTraces(pairing_wait=10)
    recent.add([client("t1", "c", "frontend", "cart")], now_s=0)

    assert ids(recent.add([server("t1", "c", "cart", None)], now_s=1)) == ["c", "c"]


def test_a_client_span_whose_server_never_comes_is_released_after_the_wait():
    recent = RecentTraces(pairing_wait=10)
    recent.add([Span("t1", "r", None, SpanKind.SERVER, "frontend", None)], now_s=0)
    recent.add([client("t1", "c", "frontend", "payments", "r")], now_s=2)

    assert recent.due(now_s=11) == []
    assert ids(recent.due(now_s=12)) == ["c", "r"]
    assert recent.waiting == 0


def test_a_waiting_client_span_is_released_by_the_next_export_after_its_wait():
    recent = RecentTraces(pairing_wait=10)
    recent.add([client("t1", "c", "frontend", "payments")], now_s=0)

    together = recent.add([span("t2", "x", "other")], now_s=10)

    assert ids(together) == ["c", "x"]


def test_the_rest_of_a_trace_is_ready_while_its_client_span_waits():
    recent = RecentTraces(pairing_wait=10)
    root = Span("t1", "r", None, SpanKind.SERVER, "frontend", None)

    assert recent.add([root, client("t1", "c", "frontend", "cart", "r")], now_s=0) == [root]


def test_spans_whose_peer_reports_no_spans_do_not_wait():
    recent = RecentTraces(pairing_wait=10)
    database = Span("t1", "d", None, SpanKind.CLIENT, "cart", "redis", peer_kind=NodeKind.DATABASE)
    unnamed = Span("t2", "u", None, SpanKind.CLIENT, "cart", None)

    assert ids(recent.add([database, unnamed], now_s=0)) == ["d", "u"]


def test_a_client_span_sent_again_does_not_wait_again():
    recent = RecentTraces(pairing_wait=10)
    recent.add([client("t1", "c", "frontend", "payments")], now_s=0)
    recent.due(now_s=10)

    assert ids(recent.add([client("t1", "c", "frontend", "payments")], now_s=11)) == ["c"]


def test_everything_waiting_is_released_on_demand():
    recent = RecentTraces(pairing_wait=10)
    recent.add([client("t1", "c", "frontend", "payments")], now_s=0)

    assert ids(recent.due(now_s=1, everything=True)) == ["c"]
    assert recent.waiting == 0


def test_a_waiting_client_span_is_released_when_its_trace_is_forgotten():
    recent = RecentTraces(keep_spans=1, pairing_wait=60)
    recent.add([client("t1", "c", "frontend", "payments")], now_s=0)

    together = recent.add([span("t2", "x", "other")], now_s=1)

    assert ids(together) == ["c", "x"]
    assert recent.waiting == 0


def test_client_spans_released_but_not_stored_wait_again():
    recent = RecentTraces(pairing_wait=10)
    recent.add([client("t1", "c", "frontend", "payments")], now_s=0)
    released = recent.due(now_s=10)

    recent.hold(released, until_s=12)

    assert recent.due(now_s=11) == []
    assert ids(recent.due(now_s=12)) == ["c"]
