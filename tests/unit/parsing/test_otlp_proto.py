"""OTLP protobuf exports read into the same spans as their JSON form."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.otlp_exports import (
    CONSUMER,
    PRODUCER,
    SERVER,
    START_NS,
    TRACE,
    OtlpSpanSpec,
    as_json,
    as_protobuf,
    frontend_calls_cart,
)
from topology.errors import TraceFormatError
from topology.model import NodeKind, SpanKind
from topology.parsing import TraceFormat, parse_traces
from topology.parsing.otlp_proto import read_otlp_protobuf


def parse(resources):
    return read_otlp_protobuf(as_protobuf(resources).SerializeToString(), source="test").spans


def test_a_protobuf_export_gives_the_same_spans_as_its_json_form():
    resources = frontend_calls_cart()

    from_json = parse_traces(as_json(resources), source="test", fmt=TraceFormat.OTLP)

    assert parse(resources) == from_json
    assert len(from_json) == 4


def test_kinds_services_ids_times_and_status_are_read():
    root, client, server, db = parse(frontend_calls_cart())

    assert (root.kind, root.parent_id, root.local_service) == (None, None, "frontend")
    assert (client.trace_id, client.span_id, client.parent_id) == (
        TRACE,
        "a000000000000002",
        "a000000000000001",
    )
    assert client.kind is SpanKind.CLIENT
    assert (server.kind, server.local_service) == (SpanKind.SERVER, "cart")
    assert (server.start_us, server.duration_us) == (START_NS // 1000, 1500)
    assert (db.error, db.remote_service, db.inferred_peer, db.peer_kind) == (
        True,
        "redis",
        "redis",
        NodeKind.DATABASE,
    )
    assert not client.error


def test_peer_service_names_the_remote_side():
    [span] = parse(
        {
            "api": [
                OtlpSpanSpec(
                    "c000000000000001",
                    kind=PRODUCER,
                    attributes={"peer.service": "orders", "messaging.system": "kafka"},
                )
            ]
        }
    )

    assert (span.kind, span.remote_service, span.peer_kind) == (
        SpanKind.PRODUCER,
        "orders",
        NodeKind.QUEUE,
    )


def test_a_consumer_without_a_peer_names_its_broker():
    [span] = parse(
        {
            "worker": [
                OtlpSpanSpec(
                    "c000000000000001",
                    kind=CONSUMER,
                    attributes={"messaging.system": "rabbitmq", "n": 3},
                )
            ]
        }
    )

    assert (span.kind, span.remote_service) == (SpanKind.CONSUMER, "rabbitmq")


def test_a_trace_id_with_a_zero_upper_half_is_shortened_like_the_json_form():
    resources = {
        "a": [
            OtlpSpanSpec(
                "c000000000000001", kind=SERVER, trace_id="0000000000000000" + "1234567890abcdef"
            )
        ]
    }

    [span] = parse(resources)

    assert span.trace_id == "1234567890abcdef"
    assert [span] == parse_traces(as_json(resources), source="t", fmt=TraceFormat.OTLP)


def test_a_span_without_valid_ids_is_rejected_and_counted():
    request = as_protobuf(frontend_calls_cart())
    request.resource_spans[0].scope_spans[0].spans[0].span_id = b""
    request.resource_spans[1].scope_spans[0].spans[0].trace_id = b"\x01\x02"

    export = read_otlp_protobuf(request.SerializeToString(), source="test")

    assert (len(export.spans), export.rejected) == (2, 2)
    assert export.reason is not None


def test_an_empty_body_is_an_export_of_no_spans():
    assert read_otlp_protobuf(b"", source="test").spans == []


@pytest.mark.parametrize("garbage", [b"\xff\xff\xff\xff", b"\x0a\x05ab", b'{"resourceSpans":[]}'])
def test_bytes_that_are_not_an_export_raise_a_trace_format_error(garbage):
    with pytest.raises(TraceFormatError, match="test: not an OTLP protobuf export"):
        read_otlp_protobuf(garbage, source="test")


span_specs = st.builds(
    OtlpSpanSpec,
    span_id=st.sampled_from(["a000000000000001", "a000000000000002", "00000000000000ff"]),
    parent_id=st.sampled_from(["", "a000000000000001", "0000000000000000"]),
    kind=st.integers(min_value=0, max_value=6),
    attributes=st.dictionaries(
        st.sampled_from(["peer.service", "db.system", "messaging.system", "error", "http.url"]),
        st.one_of(st.sampled_from(["billing", "postgres", "kafka", " "]), st.integers(0, 9)),
        max_size=3,
    ),
    error=st.booleans(),
    trace_id=st.sampled_from([TRACE, "0" * 16 + TRACE[16:]]),
    start_ns=st.one_of(st.integers(0, 2_000), st.just(START_NS)),
    duration_ns=st.integers(0, 10**9),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["api", "cart"]), st.lists(span_specs, max_size=4)))
def test_any_export_reads_the_same_from_protobuf_as_from_json(resources):
    from_json = parse_traces(as_json(resources), source="test", fmt=TraceFormat.OTLP)

    assert parse(resources) == from_json


def test_a_start_within_the_first_microsecond_of_1970_is_no_start_at_all():
    [span] = parse({"api": [OtlpSpanSpec("a000000000000001", start_ns=999)]})

    assert span.start_us is None
