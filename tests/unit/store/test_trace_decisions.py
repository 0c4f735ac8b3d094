from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.store.traces import decide, gather
from topology.model import KEY_SEP, Call, Served


def call(trace, span, at=60_000_000):
    return Call("a", "b", KEY_SEP.join((trace, span, "", "c")), at, False)


def served(trace, span):
    return Served("b", KEY_SEP.join((trace, span, "", "s")), 60_000_000, False, None)


def test_every_call_of_a_new_trace_counts():
    batch = gather([call("t1", "a"), call("t1", "b")], [served("t1", "a")], now_s=0)
    decision = decide(batch, {})
    assert (len(decision.calls), len(decision.served)) == (2, 1)


def test_a_trace_seen_with_the_same_calls_adds_nothing():
    first = gather([call("t1", "a"), call("t1", "b")], [], now_s=0)
    again = gather([call("t1", "a"), call("t1", "b")], [], now_s=0)
    decision = decide(again, first.traces)
    assert (list(decision.calls), decision.grown) == ([], {})


def test_late_spans_of_a_known_trace_add_only_their_own_calls():
    first = gather([call("t1", "a")], [], now_s=0)
    later = gather([call("t1", "a"), call("t1", "late")], [], now_s=0)
    decision = decide(later, first.traces)
    assert [c.key.split(KEY_SEP)[1] for c in decision.calls] == ["late"]
    assert len(next(iter(decision.grown.values())).hashes) == 2


def test_a_call_repeated_in_one_batch_counts_once():
    batch = gather([call("t1", "a"), call("t1", "a")], [], now_s=0)
    assert len(decide(batch, {}).calls) == 1


def test_a_trace_is_dated_by_its_first_call():
    batch = gather([call("t1", "a", at=180_500_000), call("t1", "b", at=61_000_000)], [], now_s=0)
    assert next(iter(batch.traces.values())).start == 60


traces_and_spans = st.lists(
    st.tuples(st.sampled_from(["t1", "t2", "t3"]), st.sampled_from(["a", "b", "c", "d"])),
    max_size=30,
)


@given(traces_and_spans, traces_and_spans)
def test_two_imports_count_each_call_exactly_once(first, second):
    one = gather([call(t, s) for t, s in first], [], now_s=0)
    counted = {c.key for c in decide(one, {}).calls}
    two = gather([call(t, s) for t, s in second], [], now_s=0)
    known = {key: one.traces[key] for key in two.traces if key in one.traces}
    counted_again = {c.key for c in decide(two, known).calls}
    assert not counted & counted_again
    assert counted | counted_again == {call(t, s).key for t, s in first + second}
