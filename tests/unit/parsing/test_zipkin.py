"""Zipkin v2 JSON, normalised as Zipkin itself normalises it."""

import pytest

from topology.model import SpanKind
from topology.parsing import parse_traces

from .documents import CHILD, ROOT, TRACE, as_bytes, zipkin_span


def parse(*spans):
    return parse_traces(as_bytes(list(spans)), source="zipkin.json")


def test_a_zipkin_span_is_read():
    [span] = parse(zipkin_span(remoteEndpoint={"serviceName": "billing", "port": 80}))

    assert (span.trace_id, span.span_id, span.parent_id) == (TRACE, CHILD, ROOT)
    assert (span.kind, span.local_service, span.remote_service) == (
        SpanKind.CLIENT,
        "frontend",
        "billing",
    )
    assert (span.start_us, span.duration_us, span.error) == (1_600_000_000_000_000, 1500, False)


def test_a_list_of_traces_is_read_like_a_list_of_spans():
    spans = parse_traces(
        as_bytes([[zipkin_span()], [zipkin_span(id="01"), zipkin_span(id="02")]]), source="x"
    )

    assert [span.span_id for span in spans] == [CHILD, "0000000000000001", "0000000000000002"]


def test_service_names_are_lower_cased_and_empty_ones_dropped():
    [span] = parse(
        zipkin_span(localEndpoint={"serviceName": " FrontEnd "}, remoteEndpoint={"serviceName": ""})
    )

    assert (span.local_service, span.remote_service) == ("frontend", None)


def test_ids_are_lower_cased_and_padded():
    [span] = parse(zipkin_span(traceId="ABC", id="1F", parentId="0A"))

    assert (span.trace_id, span.span_id, span.parent_id) == (
        "0000000000000abc",
        "000000000000001f",
        "000000000000000a",
    )


def test_a_128_bit_trace_id_is_padded_to_32_digits_and_a_zero_upper_half_dropped():
    [long] = parse(zipkin_span(traceId="1" + "0" * 16))
    [short] = parse(zipkin_span(traceId="0" * 16 + "463ac35c9f6413ad"))

    assert long.trace_id == "0" * 15 + "1" + "0" * 16
    assert short.trace_id == "463ac35c9f6413ad"


@pytest.mark.parametrize("parent", ["0000000000000000", "0", "", None, CHILD])
def test_a_zero_empty_or_self_parent_id_means_no_parent(parent):
    [span] = parse(zipkin_span(parentId=parent))

    assert span.parent_id is None


def test_shared_is_kept_on_a_server_and_dropped_on_a_client():
    [server] = parse(zipkin_span(kind="SERVER", shared=True))
    [client] = parse(zipkin_span(kind="CLIENT", shared=True))

    assert (server.shared, client.shared) == (True, False)


@pytest.mark.parametrize(
    ("tags", "error"),
    [({"error": ""}, True), ({"error": "500"}, True), ({"http.status": "500"}, False)],
)
def test_an_error_is_the_presence_of_the_error_tag(tags, error):
    [span] = parse(zipkin_span(tags=tags))

    assert span.error is error


@pytest.mark.parametrize("kind", ["CLIENT", "client", "Client"])
def test_the_kind_is_read_in_any_case(kind):
    [span] = parse(zipkin_span(kind=kind))

    assert span.kind is SpanKind.CLIENT


def test_a_span_without_kind_or_timestamp_has_none():
    [span] = parse(zipkin_span(kind=None, timestamp=None, duration=None))

    assert (span.kind, span.start_us, span.duration_us) == (None, None, None)


def test_the_local_address_is_kept_for_telling_shared_servers_apart():
    endpoint = {"serviceName": "a", "ipv4": "10.0.0.1", "ipv6": "::1", "port": 8080}
    [span] = parse(zipkin_span(localEndpoint=endpoint))
    [bare] = parse(zipkin_span(localEndpoint={"serviceName": "a"}))

    assert span.local_address == ("10.0.0.1", "::1", 8080)
    assert bare.local_address is None


def test_timestamps_written_as_floats_are_read():
    [span] = parse(zipkin_span(timestamp=1.6e15, duration=12.7))

    assert (span.start_us, span.duration_us) == (1_600_000_000_000_000, 12)
