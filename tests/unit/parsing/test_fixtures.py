"""Real trace documents from Jaeger, Zipkin and OpenTelemetry, as their projects publish them."""

import pytest

from topology.errors import TraceFormatError
from topology.model import NodeKind, SpanKind
from topology.parsing import TraceFormat, parse_traces

JAEGER, ZIPKIN, OTLP = TraceFormat.JAEGER, TraceFormat.ZIPKIN, TraceFormat.OTLP

TRACE_FILES = [  # counts from tests/fixtures/traces/SOURCES.md
    ("zipkin-lens-yelp.json", ZIPKIN, 16),
    ("zipkin-lens-messaging2.json", ZIPKIN, 11),
    ("zipkin-lens-messaging-kafka.json", ZIPKIN, 28),
    ("zipkin-lens-ascend.json", ZIPKIN, 8),
    ("zipkin-lens-simple-db-p6.json", ZIPKIN, 5),
    ("zipkin-lens-smartthings-oauth-authorization.json", ZIPKIN, 175),
    ("jaeger-ui-flamegraph-ride-sharing.json", JAEGER, 4),
    ("jaeger-ui-petclinic-spansAmongEachOther.json", JAEGER, 12),
    ("jaeger-ui-genai-synthetic.json", JAEGER, 57),
    ("jaeger-ui-tracegraph-synthetic-messaging.json", JAEGER, 11),
]

API_FILES = [
    ("jaeger_apiv3_GetTrace.json", OTLP, 1),
    ("jaeger_apiv3_FindTraces.json", OTLP, 1),
    ("jaeger_otlp_json_traces_telemetrygen.json", OTLP, 2),
    ("otlp_trace_example.json", OTLP, 1),
    ("zipkin_v2_traces.CONSTRUCTED.json", ZIPKIN, 4),
    ("zipkin_v2_trace_messaging.json", ZIPKIN, 4),
    ("zipkin_v2_trace_yelp.json", ZIPKIN, 16),
    ("jaeger_v1_structured_traces_response.json", JAEGER, 2),
    ("jaeger_v1_ui_trace_tag_types.json", JAEGER, 5),
]


def read(fixtures_dir, folder, name):
    return (fixtures_dir / folder / name).read_bytes()


@pytest.mark.parametrize(("name", "fmt", "count"), TRACE_FILES)
def test_every_trace_fixture_is_read_whole_in_the_format_it_is_in(fixtures_dir, name, fmt, count):
    data = read(fixtures_dir, "traces", name)

    spans = parse_traces(data, source=name)

    assert len(spans) == count
    assert all(_not_read_as(data, other) for other in TraceFormat if other is not fmt)
    assert parse_traces(data, source=name, fmt=fmt) == spans


@pytest.mark.parametrize(("name", "fmt", "count"), API_FILES)
def test_every_recorded_api_answer_with_traces_is_read(fixtures_dir, name, fmt, count):
    data = read(fixtures_dir, "api", name)

    spans = parse_traces(data, source=name)

    assert len(spans) == count
    assert all(_not_read_as(data, other) for other in TraceFormat if other is not fmt)
    assert parse_traces(data, source=name, fmt=fmt) == spans


@pytest.mark.parametrize(("name", "fmt", "_count"), TRACE_FILES + API_FILES)
def test_insisting_on_another_format_than_the_files_is_refused(fixtures_dir, name, fmt, _count):
    folder = "traces" if name in {n for n, _, _ in TRACE_FILES} else "api"
    data = read(fixtures_dir, folder, name)
    for other in set(TraceFormat) - {fmt}:
        with pytest.raises(TraceFormatError) as caught:
            parse_traces(data, source=name, fmt=other)
        article = "an" if other is OTLP else "a"
        assert str(caught.value) == (
            f"{name}: not {article} {other.label} document: it looks like {fmt.label}"
        )


def test_a_jaeger_trace_id_that_lost_its_leading_zero_is_padded_back(fixtures_dir):
    name = "jaeger-ui-petclinic-spansAmongEachOther.json"
    spans = parse_traces(read(fixtures_dir, "traces", name), source=name)

    assert {span.trace_id for span in spans} == {"0df84e36b9e2ee3815d07f0867a5be1f"}
    assert "0a68c6983a6d81a2" in {span.span_id for span in spans}


def test_non_hex_jaeger_ids_are_kept_as_they_are(fixtures_dir):
    name = "jaeger-ui-tracegraph-synthetic-messaging.json"
    spans = parse_traces(read(fixtures_dir, "traces", name), source=name)
    spans = {span.span_id: span for span in spans}

    assert spans["span-2_1"].trace_id == "trace-123"
    assert spans["span-2_1"].parent_id == "span-1"
    assert spans["span-7"].parent_id == "span-6"  # a FOLLOWS_FROM reference
    assert spans["span-2"].error  # the bool tag written as the string "true"


def test_the_first_reference_in_the_same_trace_is_the_parent(fixtures_dir):
    name = "jaeger_v1_ui_trace_tag_types.json"
    spans = parse_traces(read(fixtures_dir, "api", name), source=name)

    assert [span.parent_id for span in spans][-2:] == ["0000000000000002", "0000000000000004"]
    assert spans[1].remote_service == "service-y"
    assert spans[1].error


def test_a_jaeger_trace_wrapped_in_data_carries_its_processes_inline(fixtures_dir):
    name = "jaeger-ui-flamegraph-ride-sharing.json"
    spans = parse_traces(read(fixtures_dir, "traces", name), source=name)

    assert [(span.local_service, span.kind) for span in spans] == [
        ("load-generator", None),
        ("load-generator", SpanKind.CLIENT),
        ("ride-sharing-app", SpanKind.SERVER),
        ("ride-sharing-app", None),
    ]


def test_uppercase_otlp_ids_and_string_times_are_read(fixtures_dir):
    name = "otlp_trace_example.json"
    [span] = parse_traces(read(fixtures_dir, "api", name), source=name)

    assert (span.trace_id, span.span_id, span.parent_id) == (
        "5b8efff798038103d269b633813fc60c",
        "eee19b7ec3c1b174",
        "eee19b7ec3c1b173",
    )
    assert (span.local_service, span.kind) == ("my.service", SpanKind.SERVER)
    assert (span.start_us, span.duration_us) == (1_544_712_660_000_000, 1_000_000)


def test_a_jaeger_api_v3_answer_with_no_times_and_an_error_status_is_read(fixtures_dir):
    name = "jaeger_apiv3_GetTrace.json"
    [span] = parse_traces(read(fixtures_dir, "api", name), source=name)

    assert span.trace_id == "0000000000000001"  # a 128-bit id with a zero upper half
    assert (span.start_us, span.duration_us, span.error) == (None, None, True)


def test_the_same_trace_from_jaeger_v1_and_from_otlp_has_the_same_ids(fixtures_dir):
    jaeger = parse_traces(
        read(fixtures_dir, "api", "jaeger_v1_structured_traces_response.json"), source="v1"
    )
    otlp = parse_traces(
        read(fixtures_dir, "api", "jaeger_otlp_json_traces_telemetrygen.json"), source="otlp"
    )

    def key(span):
        return (
            span.trace_id,
            span.span_id,
            span.parent_id,
            span.local_service,
            span.remote_service,
            span.start_us,
            span.duration_us,
        )

    assert [key(span) for span in jaeger] == [key(span) for span in otlp]


def test_zipkin_shared_server_spans_keep_their_flag_and_address(fixtures_dir):
    name = "zipkin-lens-ascend.json"
    spans = parse_traces(read(fixtures_dir, "traces", name), source=name)
    server = next(span for span in spans if span.local_service == "auth-service" and span.shared)

    assert server.kind is SpanKind.SERVER
    assert server.local_address == ("172.17.0.9", None, 8080)


def test_zipkin_brokers_named_by_the_remote_endpoint_are_queues(fixtures_dir):
    name = "zipkin-lens-messaging-kafka.json"
    spans = parse_traces(read(fixtures_dir, "traces", name), source=name)

    assert {(s.kind, s.remote_service, s.peer_kind) for s in spans if s.remote_service} == {
        (SpanKind.PRODUCER, "kafka", NodeKind.QUEUE),
        (SpanKind.CONSUMER, "kafka", NodeKind.QUEUE),
    }


def test_only_the_genai_database_clients_get_an_inferred_peer_and_no_remote_name(fixtures_dir):
    inferred = {}
    for name, _, _ in TRACE_FILES:
        for span in parse_traces(read(fixtures_dir, "traces", name), source=name):
            if span.inferred_peer is not None:
                inferred[(name, span.span_id)] = (
                    span.local_service,
                    span.remote_service,
                    span.inferred_peer,
                    span.peer_kind,
                )

    genai = "jaeger-ui-genai-synthetic.json"
    assert inferred == {
        (genai, f"{n:016x}"): ("metrics-backend", None, "metrics", NodeKind.DATABASE)
        for n in (0x0B, 0x1A, 0x29)
    } | {
        (genai, f"{n:016x}"): ("trace-store", None, "jaeger-span", NodeKind.DATABASE)
        for n in (0x10, 0x1F, 0x2E)
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "jaeger_apiv3_error_404_no_traces.CONSTRUCTED.json",
            "the server answered with an error, not traces: No traces found",
        ),
        (
            "jaeger_v1_error_404_trace_not_found.CONSTRUCTED.json",
            "the server answered with an error, not traces: trace not found",
        ),
        (
            "jaeger_apiv3_FindTraceSummaries.json",
            "not a Jaeger, Zipkin or OTLP document (top-level keys: summaries)",
        ),
        (
            "zipkin_v2_dependencies.CONSTRUCTED.json",
            "$[0]: not a Zipkin span, a Jaeger trace or an OTLP document",
        ),
        (
            "jaeger_v1_services_response.CONSTRUCTED.json",
            "$.data[0]: expected an object, got a string",
        ),
    ],
)
def test_answers_that_are_not_traces_are_refused_with_what_they_are(fixtures_dir, name, message):
    with pytest.raises(TraceFormatError) as caught:
        parse_traces(read(fixtures_dir, "api", name), source=name)

    assert str(caught.value) == f"{name}: {message}"


def test_an_api_v3_answer_with_no_spans_at_all_is_empty(fixtures_dir):
    name = "jaeger_apiv3_GetServices_empty.CONSTRUCTED.json"  # `{}`: an OTLP export of nothing

    assert parse_traces(read(fixtures_dir, "api", name), source=name) == []


def _not_read_as(data: bytes, fmt: TraceFormat) -> bool:
    """Whether insisting on `fmt` refuses `data`: it is in another format."""
    try:
        parse_traces(data, source="t", fmt=fmt)
    except TraceFormatError:
        return True
    return False
