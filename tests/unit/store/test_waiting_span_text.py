"""A waiting span kept as text reads back as the same span; text that is no span reads as none."""

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.store.pending import decoded, encoded
from topology.model import NodeKind, Span, SpanKind

names = st.none() | st.text(max_size=20)
micros = st.none() | st.integers(min_value=0, max_value=2**62)
spans = st.builds(
    Span,
    trace_id=st.just("5b8efff798038103d269b633813fc60c"),
    span_id=st.text(min_size=1, max_size=16),
    parent_id=names,
    kind=st.none() | st.sampled_from(SpanKind),
    local_service=names,
    remote_service=names,
    start_us=micros,
    duration_us=micros,
    error=st.booleans(),
    shared=st.booleans(),
    peer_kind=st.none() | st.sampled_from(NodeKind),
    local_address=st.none() | st.tuples(names, names, st.none() | st.integers(0, 65535)),
    inferred_peer=names,
)


@given(spans)
def test_a_span_kept_as_text_reads_back_the_same(span):
    assert decoded(span.trace_id, encoded(span)) == span


@given(st.text(max_size=200))
def test_any_text_reads_as_a_span_or_as_none_without_raising(text):
    found = decoded("t", text)

    assert found is None or isinstance(found, Span)


def test_text_nested_past_the_parser_limit_reads_as_none():
    assert decoded("t", "[" * 100_000) is None
