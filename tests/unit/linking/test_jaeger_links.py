"""Jaeger traces linked straight from their decoded structs give what the general path gives.

The general path reads every span (`jaeger.to_spans`), prepares them (`Preparation.spans`)
and links them (`link`); `link_traces` must give the same calls, served requests, counts
and errors, whatever the traces hold.
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topology.errors import TraceFormatError
from topology.jaeger_links import link_traces
from topology.linking import link
from topology.model import NodeKind
from topology.parsing import jaeger
from topology.parsing.decoding import BadValueError
from topology.preparing import LinkedBatch, Preparation
from topology.redaction import Redaction
from topology.time_window import TimeWindow, import_window

SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
NOW_S = 1_777_604_400
START_US = (NOW_S - 600) * 1_000_000
TRACE = "463ac35c9f6413ad48485a3953bb6124"
CANONICAL = [f"{n:016x}" for n in (0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6)]
ODD_IDS = ["A1", "00000000000000a1", "span-2_1", "0" * 16, "", "00000000000000A1"]
TRACE_IDS = [TRACE, TRACE.upper(), TRACE[16:], "trace-1", ""]
TAG_VALUES = {
    "span.kind": ['"server"', '"client"', '"producer"', '"consumer"', '"SERVER"', "3", "null"],
    "peer.service": ['"billing"', '"  db  "', '"user-1234567"', "7", "[1]"],
    "error": ["true", '"true"', "false", "1"],
    "otel.status_code": ['"ERROR"', '"OK"'],
    "db.system": ['"postgres"'],
    "db.name": ['"orders-10.0.3.7"'],
    "messaging.system": ['"kafka"'],
    "http.method": ['"GET"'],
}


def _tag(key: str, value: str) -> jaeger.Tag:
    return jaeger.Tag(key=key, value=msgspec.Raw(value.encode()))


tags = st.lists(
    st.sampled_from(sorted(TAG_VALUES)).flatmap(
        lambda key: st.sampled_from(TAG_VALUES[key]).map(lambda value: _tag(key, value))
    ),
    max_size=3,
)
common_tags = st.builds(
    lambda kind, extras: [*kind, *extras],
    st.sampled_from(
        [[_tag("span.kind", f'"{kind}"')] for kind in ("server", "client", "producer", "consumer")]
        + [[]]
    ),
    st.lists(
        st.sampled_from(
            [
                _tag("peer.service", '"billing"'),
                _tag("peer.service", '"user-1234567"'),
                _tag("error", "true"),
                _tag("db.system", '"postgres"'),
                _tag("messaging.system", '"kafka"'),
            ]
        ),
        unique_by=lambda tag: tag.key,
        max_size=2,
    ),
)
times = st.one_of(
    st.integers(min_value=START_US, max_value=START_US + 120_000_000),
    st.sampled_from([None, 0, -5, 1.5, 10**30, (NOW_S + 3 * 86_400) * 1_000_000, True]),
)


@st.composite
def spans(
    draw: st.DrawFn, trace_id: str, span_id: str, ids: list[str], *, odd: bool
) -> jaeger.JaegerSpan:
    """A span of a trace: of the common shape, or (when `odd`) of any shape."""
    parent = draw(st.one_of(st.none(), st.sampled_from([*ids, CANONICAL[-1]])))
    references: list[jaeger.Reference] | None = (
        None
        if parent is None
        else [jaeger.Reference(ref_type="CHILD_OF", trace_id=trace_id, span_id=parent)]
    )
    if odd and draw(st.booleans()):
        span_id = draw(st.sampled_from([span_id, *ODD_IDS]))
        references = draw(
            st.one_of(
                st.none(),
                st.lists(
                    st.builds(
                        jaeger.Reference,
                        ref_type=st.sampled_from([None, "CHILD_OF", "FOLLOWS_FROM", "child_of"]),
                        trace_id=st.one_of(st.none(), st.sampled_from(TRACE_IDS)),
                        span_id=st.one_of(st.none(), st.sampled_from(CANONICAL + ODD_IDS)),
                    ),
                    max_size=2,
                ),
            )
        )
    return jaeger.JaegerSpan(
        trace_id=draw(st.sampled_from(TRACE_IDS)) if odd and draw(st.booleans()) else trace_id,
        span_id=span_id,
        references=references,
        parent_span_id=draw(st.sampled_from([None, "", "b2"])) if odd else None,
        start_time=draw(times) if odd else START_US + draw(st.integers(0, 120_000_000)),
        duration=draw(st.one_of(st.none(), st.integers(-3, 10**6), times)) if odd else 500,
        tags=draw(tags if odd else common_tags),
        process_id=draw(st.sampled_from(["p1", "p2", "p3", None] if odd else ["p1", "p2"])),
        process=(
            draw(st.one_of(st.none(), st.builds(jaeger.Process, service_name=st.just("inline"))))
            if odd
            else None
        ),
    )


@st.composite
def traces(draw: st.DrawFn) -> jaeger.JaegerTrace:
    """A trace of distinct span ids, mostly of the common shape."""
    trace_id = draw(st.sampled_from([TRACE, TRACE[16:], f"{TRACE[:16]}{'0' * 15}1"]))
    ids = draw(st.lists(st.sampled_from(CANONICAL[:-1]), unique=True, max_size=5))
    odd = [draw(st.integers(0, 9)) == 0 for _ in ids]
    members = [
        draw(spans(trace_id, span_id, ids, odd=is_odd))
        for span_id, is_odd in zip(ids, odd, strict=True)
    ]
    processes = {
        "p1": jaeger.Process(service_name="frontend"),
        "p2": jaeger.Process(service_name=draw(st.sampled_from([" cart ", "user-1234567", None]))),
    }
    return jaeger.JaegerTrace(spans=members, processes=processes)


preparations = st.builds(
    Preparation,
    window=st.sampled_from(
        [import_window(NOW_S), TimeWindow(NOW_S - 600, NOW_S - 540, "outside the test's minute")]
    ),
    redaction=st.sampled_from([Redaction(()), Redaction()]),
    infer_peers=st.booleans(),
    strict_trace_id=st.booleans(),
)


def by_the_general_path(
    pieces: list[tuple[str, jaeger.JaegerTrace]], prep: Preparation
) -> LinkedBatch:
    spans, refused = prep.spans(jaeger.to_spans(pieces))
    return LinkedBatch(link(spans), len(spans), refused)


def outcome(linking, pieces, prep) -> object:
    try:
        batch = linking(pieces, prep)
    except (TraceFormatError, BadValueError) as error:
        return ("refused", str(error))
    return (
        batch.linked.calls,
        batch.linked.served,
        batch.linked.traces,
        batch.spans,
        batch.refused,
    )


@SETTINGS
@given(st.lists(traces(), max_size=4), preparations)
def test_traces_link_the_same_straight_from_their_structs_as_through_spans(batch, prep):
    pieces = [(f"$.data[{index}]", trace) for index, trace in enumerate(batch)]

    assert outcome(link_traces, pieces, prep) == outcome(by_the_general_path, pieces, prep)


def test_a_client_and_its_server_make_one_paired_call_and_one_served_request():
    def span(span_id, parent, process, kind):
        references = [jaeger.Reference(ref_type="CHILD_OF", trace_id=TRACE, span_id=parent)]
        return jaeger.JaegerSpan(
            trace_id=TRACE,
            span_id=span_id,
            references=references if parent else None,
            start_time=START_US,
            duration=300 if kind == "client" else 200,
            tags=[_tag("span.kind", f'"{kind}"')],
            process_id=process,
        )

    trace = jaeger.JaegerTrace(
        spans=[
            span(CANONICAL[0], None, "p1", "server"),
            span(CANONICAL[1], CANONICAL[0], "p1", "client"),
            span(CANONICAL[2], CANONICAL[1], "p2", "server"),
            span(CANONICAL[3], CANONICAL[0], "p1", "client"),
        ],
        processes={"p1": jaeger.Process("web"), "p2": jaeger.Process("cart")},
    )
    trace.spans[3].tags.append(_tag("peer.service", '"postgres"'))  # type: ignore[union-attr]

    found = link_traces([("$.data[0]", trace)], Preparation(import_window(NOW_S)))

    calls = {
        (c.parent, c.child): (c.server_us, c.client_us, c.child_kind) for c in found.linked.calls
    }
    assert calls == {("web", "cart"): (200, 300, None), ("web", "postgres"): (None, 300, None)}
    assert [(s.service, s.duration_us) for s in found.linked.served] == [
        ("web", 200),
        ("cart", 200),
    ]
    assert (found.spans, found.refused, found.linked.traces) == (4, 0, 1)
    keys = [call.key for call in found.linked.calls]  # breadth-first: the leaf client first
    assert keys == [
        f"{TRACE[16:]}\x1f{CANONICAL[3]}\x1fweb\x1fc",
        f"{TRACE[16:]}\x1f{CANONICAL[2]}\x1fcart\x1fc",
    ]


def test_a_bad_time_is_refused_with_its_place_as_the_general_path_refuses_it():
    trace = jaeger.JaegerTrace(
        spans=[jaeger.JaegerSpan(trace_id=TRACE, span_id=CANONICAL[0], start_time=float("nan"))]
    )

    with pytest.raises(TraceFormatError, match=r"^\$\.data\[3\]\.spans\[0\]\.startTime: "):
        link_traces([("$.data[3]", trace)], Preparation(import_window(NOW_S)))


def test_a_broker_named_by_a_consumer_is_a_queue():
    trace = jaeger.JaegerTrace(
        spans=[
            jaeger.JaegerSpan(
                trace_id=TRACE,
                span_id=CANONICAL[0],
                start_time=START_US,
                tags=[_tag("span.kind", '"consumer"'), _tag("peer.service", '"kafka"')],
                process_id="p1",
            )
        ],
        processes={"p1": jaeger.Process("accounting")},
    )

    [call] = link_traces([("$", trace)], Preparation(import_window(NOW_S))).linked.calls

    assert (call.parent, call.child, call.parent_kind, call.child_local) == (
        "kafka",
        "accounting",
        NodeKind.QUEUE,
        True,
    )


def test_a_server_below_a_client_through_a_span_of_no_kind_is_not_paired_with_it():
    def span(span_id, parent, process, tags):
        references = [jaeger.Reference(ref_type="CHILD_OF", trace_id=TRACE, span_id=parent)]
        return jaeger.JaegerSpan(
            trace_id=TRACE,
            span_id=span_id,
            references=references if parent else None,
            start_time=START_US,
            duration=100,
            tags=tags,
            process_id=process,
        )

    trace = jaeger.JaegerTrace(
        spans=[
            span(CANONICAL[0], None, "p1", [_tag("span.kind", '"server"')]),
            span(CANONICAL[1], CANONICAL[0], "p1", [_tag("span.kind", '"client"')]),
            span(CANONICAL[2], CANONICAL[1], "p1", []),
            span(CANONICAL[3], CANONICAL[2], "p2", [_tag("span.kind", '"server"')]),
        ],
        processes={"p1": jaeger.Process("web"), "p2": jaeger.Process("cart")},
    )
    pieces = [("$", trace)]
    prep = Preparation(import_window(NOW_S))

    [call] = link_traces(pieces, prep).linked.calls

    assert (call.parent, call.child, call.server_us, call.client_us) == ("web", "cart", 100, None)
    assert outcome(link_traces, pieces, prep) == outcome(by_the_general_path, pieces, prep)
