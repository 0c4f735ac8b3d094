"""Non-strict trace ids: a 64-bit id and the 128-bit id ending in it are one trace."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import structs

from topology.linking import link
from topology.model import Span, SpanKind
from topology.parsing import parse_traces
from topology.trace_ids import low_trace_id, lower_trace_ids

HIGH = "463ac35c9f6413ad"
LOW = "48485a3953bb6124"
ROOT, CALL = "0000000000000001", "0000000000000002"


def zipkin(*spans):
    return parse_traces(json.dumps(list(spans)).encode(), source="zipkin.json")


def frontend_calls_backend(*, named=True):
    """A frontend SERVER and CLIENT span with a 128-bit trace id, and the backend's shared
    SERVER span (B3: the client's span id) with only the low 64 bits as its trace id."""
    remote = {"remoteEndpoint": {"serviceName": "backend"}} if named else {}
    frontend = {"serviceName": "frontend"}
    return zipkin(
        {"traceId": HIGH + LOW, "id": ROOT, "kind": "SERVER", "localEndpoint": frontend},
        {
            "traceId": HIGH + LOW,
            "parentId": ROOT,
            "id": CALL,
            "kind": "CLIENT",
            "localEndpoint": frontend,
            "duration": 900,
            **remote,
        },
        {
            "traceId": LOW,
            "parentId": ROOT,
            "id": CALL,
            "kind": "SERVER",
            "shared": True,
            "localEndpoint": {"serviceName": "backend"},
            "duration": 700,
        },
    )


def lowered(spans):
    lower_trace_ids(spans)
    return spans


def edges(spans):
    return sorted((call.parent, call.child) for call in link(spans).calls)


def test_a_shared_server_with_the_low_half_of_its_clients_trace_id_links_once():
    linked = link(lowered(frontend_calls_backend()))

    assert [(call.parent, call.child) for call in linked.calls] == [("frontend", "backend")]
    assert (linked.calls[0].client_us, linked.calls[0].server_us) == (900, 700)
    assert linked.traces == 1


def test_compared_strictly_the_mixed_pair_does_not_link():
    assert edges(frontend_calls_backend(named=False)) == []
    assert edges(lowered(frontend_calls_backend(named=False))) == [("frontend", "backend")]


def test_compared_strictly_the_halves_of_one_call_are_not_paired():
    linked = link(frontend_calls_backend())

    assert linked.traces == 2
    assert [(call.client_us, call.server_us) for call in linked.calls] == [(900, None)]


def test_traces_whose_low_halves_differ_never_merge():
    spans = [
        Span(HIGH + LOW, ROOT, None, SpanKind.SERVER, "cart", "frontend"),
        Span(HIGH + "0" * 15 + "1", ROOT, None, SpanKind.SERVER, "cart", "checkout"),
        Span("0" * 15 + "2", ROOT, None, SpanKind.SERVER, "cart", "mailer"),
    ]
    assert link(lowered(spans)).traces == 3


def test_ids_sharing_only_their_low_half_are_one_trace_as_in_zipkin():
    spans = [
        Span(HIGH + LOW, ROOT, None, SpanKind.SERVER, "cart", "frontend"),
        Span("1" * 16 + LOW, CALL, ROOT, SpanKind.SERVER, "cart", "frontend"),
    ]
    assert link(lowered(spans)).traces == 1


@pytest.mark.parametrize(
    ("trace_id", "low"),
    [
        (HIGH + LOW, LOW),
        (LOW, LOW),
        ("trace-123", "trace-123"),  # Jaeger keeps ids that are not hex verbatim
        ("x" * 32, "x" * 32),
    ],
)
def test_only_a_128_bit_hex_id_is_shortened_to_its_low_half(trace_id, low):
    assert low_trace_id(trace_id) == low


halves = st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)
span_ids = st.sampled_from(["a", "b", "c", "d", "e"])
names = st.one_of(st.none(), st.sampled_from(["x", "y", "z"]))
traces = st.lists(
    st.tuples(
        st.sampled_from([0, 1]),  # which trace
        st.booleans(),  # whether the span carries the 128-bit id or only its low half
        st.builds(
            Span,
            trace_id=st.just(""),
            span_id=span_ids,
            parent_id=st.one_of(st.none(), span_ids),
            kind=st.one_of(st.none(), st.sampled_from(list(SpanKind))),
            local_service=names,
            remote_service=names,
            error=st.booleans(),
            shared=st.booleans(),
        ),
    ),
    max_size=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(halves, min_size=2, max_size=2, unique=True), halves, traces)
def test_the_calls_do_not_depend_on_which_spans_carry_the_high_half(lows, high, drawn):
    high = "f" + high[1:]  # a 128-bit id whose upper half is not zero
    mixed, short = [], []
    for which, long, span in drawn:
        low = lows[which]
        mixed.append(structs.replace(span, trace_id=high + low if long else low))
        short.append(structs.replace(span, trace_id=low))

    one, other = link(lowered(mixed)), link(short)

    assert one.calls == other.calls
    assert one.served == other.served
    assert one.traces == len({which for which, _, _ in drawn})
