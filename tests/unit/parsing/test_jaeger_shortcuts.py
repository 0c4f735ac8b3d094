"""The inline readings of common Jaeger span shapes give what the general rules give."""

from collections.abc import Callable

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topology.model import Span
from topology.parsing import ids, jaeger, naming
from topology.parsing.decoding import BadValueError, Scalar, scalar

SETTINGS = settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])

TRACE = "Ef65f0f8e350835fbe40d9f36aa68fdb"
span_ids = st.sampled_from(["e51f0ebaa237b196", "E51F0EBAA237B196", "2a", "span-2_1", "0" * 16, ""])
trace_ids = st.sampled_from([TRACE, TRACE.lower(), "00000000000000005a", "trace-1", ""])
references = st.builds(
    jaeger.Reference,
    ref_type=st.sampled_from([None, "CHILD_OF", "child_of", "FOLLOWS_FROM", "OTHER"]),
    trace_id=st.one_of(st.none(), trace_ids),
    span_id=st.one_of(st.none(), span_ids),
)
times = st.one_of(
    st.none(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=True, allow_infinity=True),
)
tag_values = st.sampled_from(
    [
        '"server"',
        '"CLIENT"',
        '"producer"',
        '"consumer"',
        "true",
        '"TRUE"',
        '"error"',
        '"ERROR"',
        '"postgres"',
        "3",
        "[1]",
        "{}",
        "null",
        '"  billing  "',
    ]
)
tag_keys = st.sampled_from(
    [
        "span.kind",
        "peer.service",
        "error",
        "otel.status_code",
        "db.system",
        "db.name",
        "messaging.system",
        "http.method",
    ]
)
tags = st.builds(
    jaeger.Tag, key=tag_keys, value=tag_values.map(lambda text: msgspec.Raw(text.encode()))
)
spans = st.builds(
    jaeger.JaegerSpan,
    trace_id=st.sampled_from([TRACE, TRACE.lower(), "trace-1"]),
    span_id=span_ids.filter(bool),
    references=st.one_of(st.none(), st.lists(references, max_size=3)),
    parent_span_id=st.one_of(st.none(), span_ids),
    start_time=times,
    duration=times,
    tags=st.one_of(st.none(), st.lists(tags, max_size=4)),
    process_id=st.sampled_from([None, "p1", "p2"]),
    process=st.one_of(
        st.none(), st.builds(jaeger.Process, service_name=st.sampled_from([None, " api ", "db"]))
    ),
)


def by_the_general_rules(span: jaeger.JaegerSpan, services: dict[str, str | None]) -> Span:
    """The span read field by field through the general helpers, with no shortcut."""
    names = naming.NameCache()
    trace_id = ids.jaeger_trace_id(span.trace_id)
    span_id = ids.jaeger_span_id(span.span_id)
    parent_id = jaeger._parent_id(span, trace_id)
    if parent_id is not None and (parent_id == span_id or ids.is_null_id(parent_id)):
        parent_id = None
    wanted: dict[str, Scalar] = {}
    for tag in span.tags or ():
        if tag.key.startswith(naming.WANTED_PREFIXES):
            wanted[tag.key] = scalar(tag.value)
    kind = naming.span_kind(wanted.get("span.kind"))
    side = naming.remote_side(kind, naming.text(wanted.get(naming.PEER_SERVICE)), wanted)
    status = wanted.get("otel.status_code")
    if span.process is not None:
        service = names(span.process.service_name)
    else:
        service = services.get(span.process_id) if span.process_id is not None else None
    return Span(
        trace_id,
        span_id,
        parent_id,
        kind,
        local_service=service,
        remote_service=side.service,
        start_us=jaeger._micros(span.start_time, "startTime"),
        duration_us=jaeger._micros(span.duration, "duration"),
        error=naming.is_true(wanted.get("error"))
        or (isinstance(status, str) and status.upper() == "ERROR"),
        peer_kind=side.kind,
        inferred_peer=side.inferred,
    )


Reading = Callable[[jaeger.JaegerSpan, dict[str, str | None]], Span]


def outcome(read: Reading, span: jaeger.JaegerSpan, services: dict[str, str | None]) -> object:
    try:
        return read(span, services)
    except BadValueError as error:
        return ("refused", error.what, error.field)


@SETTINGS
@given(spans)
def test_a_span_reads_the_same_with_or_without_the_shortcuts(span: jaeger.JaegerSpan) -> None:
    services: dict[str, str | None] = {"p1": "web", "p2": None}

    def shortcut(span: jaeger.JaegerSpan, services: dict[str, str | None]) -> Span:
        return jaeger._span(span, services, {}, naming.NameCache())

    assert outcome(shortcut, span, services) == outcome(by_the_general_rules, span, services)
