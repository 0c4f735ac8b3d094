"""The OTLP span reader's shortcuts (a trace id read once; no attributes, no peer): no change."""

import base64

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topology.model import Span, SpanKind
from topology.parsing import ids, naming, otlp
from topology.parsing.decoding import BadValueError, Scalar, shown, time_number

SETTINGS = settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])

TRACE = "ef65f0f8e350835fbe40d9f36aa68fdb"
SPAN = "e51f0ebaa237b196"
span_ids = st.sampled_from(
    [
        SPAN,
        SPAN.upper(),
        "2a",
        base64.b64encode(bytes.fromhex(SPAN)).decode(),
        "0" * 16,
        "e51f0ebaa237b19g",  # sixteen characters, not all hex
        "span-2_1",
        "",
    ]
)
trace_ids = st.sampled_from(
    [
        TRACE,
        TRACE.upper(),
        "0" * 16 + TRACE[16:],
        base64.b64encode(bytes.fromhex(TRACE)).decode(),
        TRACE[:31] + "x",
        "trace-1",
        "",
    ]
)
digit_strings = st.one_of(
    st.integers(min_value=0, max_value=2**65).map(str),
    st.sampled_from(
        ["0", "", "-5", "1e9", "1_000", " 12", "١٢٣", "9" * 19, "1" + "0" * 19, "0" * 25 + "7"]
    ),
)
times = st.one_of(
    st.none(),
    digit_strings,
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=True, allow_infinity=True),
)
attributes = st.lists(
    st.builds(
        otlp.KeyValue,
        key=st.sampled_from(["peer.service", "db.system", "messaging.system", "http.method"]),
        value=st.sampled_from(
            ['{"stringValue":"billing"}', '{"stringValue":"postgres"}', '{"intValue":"7"}', "{}"]
        ).map(lambda text: msgspec.Raw(text.encode())),
    ),
    max_size=3,
)
spans = st.builds(
    otlp.OtlpSpan,
    trace_id=trace_ids,
    span_id=span_ids,
    parent_span_id=st.one_of(st.none(), span_ids),
    kind=st.one_of(st.none(), st.integers(-1, 6), st.sampled_from(["SPAN_KIND_CLIENT", "x"])),
    start_time_unix_nano=times,
    end_time_unix_nano=times,
    attributes=st.one_of(st.none(), attributes),
    status=st.one_of(
        st.none(),
        st.builds(otlp.Status, code=st.one_of(st.none(), st.integers(0, 3), st.just("ERROR"))),
    ),
)


def by_the_general_rules(span: otlp.OtlpSpan, service: str | None) -> Span:
    """The span read field by field through the general helpers, with no shortcut."""
    trace_id = ids.otlp_trace_id(span.trace_id)
    if trace_id is None:
        raise BadValueError(f"not a hex or base64 trace id: {shown(span.trace_id)}", "traceId")
    span_id = ids.otlp_span_id(span.span_id)
    if span_id is None:
        raise BadValueError(f"not a hex or base64 span id: {shown(span.span_id)}", "spanId")
    parent_id = None
    if span.parent_span_id:
        parent_id = ids.otlp_span_id(span.parent_span_id)
        if parent_id is None:
            what = f"not a hex or base64 span id: {shown(span.parent_span_id)}"
            raise BadValueError(what, "parentSpanId")
        if parent_id == span_id or ids.is_null_id(parent_id):
            parent_id = None
    kind = otlp._kind(span.kind)
    wanted: dict[str, Scalar] = {}
    for attribute in span.attributes or ():
        if attribute.key.startswith(naming.WANTED_PREFIXES):
            wanted[attribute.key] = otlp.value_of(attribute.value)
    side = naming.remote_side(kind, naming.text(wanted.get(naming.PEER_SERVICE)), wanted)
    start = time_number(span.start_time_unix_nano, "startTimeUnixNano", "nanoseconds", signed=False)
    end = time_number(span.end_time_unix_nano, "endTimeUnixNano", "nanoseconds", signed=False)
    start, end = start or None, end or None
    code = span.status.code if span.status is not None else None
    return Span(
        trace_id,
        span_id,
        parent_id,
        kind,
        local_service=service,
        remote_service=side.service or side.inferred,
        start_us=(start or 0) // 1000 or None,
        duration_us=(end - start) // 1000 if start and end and end >= start else None,
        error=otlp._is_error(code),
        peer_kind=side.kind,
        inferred_peer=side.inferred,
    )


def outcome(span: otlp.OtlpSpan, *, shortcut: bool, trace_ids: dict[str, str]) -> object:
    try:
        if shortcut:
            return otlp._span(span, "web", trace_ids)
        return by_the_general_rules(span, "web")
    except BadValueError as error:
        return ("refused", error.what, error.field)


@SETTINGS
@given(spans)
def test_a_span_reads_the_same_with_or_without_the_shortcuts(span: otlp.OtlpSpan) -> None:
    general = outcome(span, shortcut=False, trace_ids={})

    assert outcome(span, shortcut=True, trace_ids={}) == general
    known: dict[str, str] = {}
    outcome(span, shortcut=True, trace_ids=known)
    assert outcome(span, shortcut=True, trace_ids=known) == general  # its trace id remembered


def test_spans_of_one_trace_share_the_canonical_trace_id_read_once() -> None:
    known: dict[str, str] = {}
    first = otlp._span(otlp.OtlpSpan(trace_id=TRACE.upper(), span_id=SPAN), None, known)
    second = otlp._span(otlp.OtlpSpan(trace_id=TRACE.upper(), span_id="1" * 16), None, known)

    assert first.trace_id == second.trace_id == TRACE
    assert known == {TRACE.upper(): TRACE}


def test_a_time_of_nineteen_digits_and_one_past_64_bits_are_read_as_before() -> None:
    def read(start: str) -> object:
        span = otlp.OtlpSpan(
            trace_id=TRACE,
            span_id=SPAN,
            kind=2,
            start_time_unix_nano=start,
            end_time_unix_nano=start,
        )
        try:
            return otlp._span(span, None, {}).start_us
        except BadValueError as error:
            return error.field

    assert read("9" * 19) == int("9" * 19) // 1000
    assert read(str(2**64 - 1)) == (2**64 - 1) // 1000
    assert read(str(2**64)) == "startTimeUnixNano"
    assert read("0") is None
    assert otlp._span(otlp.OtlpSpan(trace_id=TRACE, span_id=SPAN, kind=2), None, {}).kind is (
        SpanKind.SERVER
    )
