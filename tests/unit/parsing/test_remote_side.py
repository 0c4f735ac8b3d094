"""What a span says about who it calls: a named peer, or a database or broker it implies."""

import pytest

from topology.model import NodeKind, SpanKind
from topology.parsing import parse_traces

from .documents import as_bytes, jaeger_span, jaeger_trace, otlp_body, otlp_span, zipkin_span


def jaeger(kind, **tags):
    [span] = parse_traces(
        as_bytes(jaeger_trace(jaeger_span(("span.kind", kind), *tags.items()))), source="j"
    )
    return span


def remote(span):
    return (span.remote_service, span.peer_kind, span.inferred_peer)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"db.system": "postgresql", "db.name": "orders"}, (None, NodeKind.DATABASE, "orders")),
        ({"db.system": "redis"}, (None, NodeKind.DATABASE, "redis")),
        (
            {"db.system.name": "clickhouse", "db.namespace": "metrics"},
            (None, NodeKind.DATABASE, "metrics"),
        ),
        ({"messaging.system": "kafka"}, (None, NodeKind.QUEUE, "kafka")),
        ({"db.statement": "SELECT 1"}, (None, None, None)),
        ({"http.method": "GET"}, (None, None, None)),
    ],
)
def test_a_client_naming_no_peer_implies_one_from_database_or_messaging_attributes(tags, expected):
    assert remote(jaeger("client", **tags)) == expected


def test_a_producer_naming_no_peer_implies_its_broker():
    assert remote(jaeger("producer", **{"messaging.system": "rabbitmq"})) == (
        None,
        NodeKind.QUEUE,
        "rabbitmq",
    )


@pytest.mark.parametrize("kind", ["server", "consumer", "internal"])
def test_spans_that_do_not_call_out_imply_no_peer(kind):
    assert remote(jaeger(kind, **{"db.system": "qdrant", "db.namespace": "docs"})) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("kind", "tags", "peer_kind"),
    [
        ("client", {"db.system": "postgresql"}, NodeKind.DATABASE),
        ("client", {"messaging.destination.name": "orders"}, NodeKind.QUEUE),
        ("producer", {}, NodeKind.QUEUE),
        ("consumer", {}, NodeKind.QUEUE),
        ("client", {}, None),
    ],
)
def test_a_named_peer_keeps_its_name_and_gets_a_hint_of_what_it_is(kind, tags, peer_kind):
    span = jaeger(kind, **{"peer.service": "orders-db"}, **tags)

    assert remote(span) == ("orders-db", peer_kind, None)


def test_zipkin_infers_a_database_only_without_a_remote_endpoint_name():
    spans = parse_traces(
        as_bytes(
            [
                zipkin_span(tags={"db.system": "mysql"}),
                zipkin_span(
                    id="01", tags={"db.system": "mysql"}, remoteEndpoint={"serviceName": "MySQL"}
                ),
            ]
        ),
        source="z",
    )

    assert [remote(span) for span in spans] == [
        (None, NodeKind.DATABASE, "mysql"),
        ("mysql", NodeKind.DATABASE, None),
    ]


def test_otlp_names_the_broker_of_a_producer_from_messaging_system():
    [span] = parse_traces(
        as_bytes(
            otlp_body(
                otlp_span(
                    ("messaging.system", {"stringValue": "kafka"}),
                    kind=4,
                )
            )
        ),
        source="o",
    )

    # As the OpenTelemetry servicegraph connector does, OTLP input links to the broker.
    assert (span.kind, *remote(span)) == (SpanKind.PRODUCER, "kafka", NodeKind.QUEUE, "kafka")


def test_service_names_are_stripped_and_cut_to_200_characters():
    [span] = parse_traces(
        as_bytes(
            jaeger_trace(
                jaeger_span(("span.kind", "client"), ("peer.service", "  " + "x" * 500 + "  ")),
            )
        ),
        source="j",
    )

    assert span.remote_service == "x" * 200


@pytest.mark.parametrize(
    "name", ["ünïcödé-sërvïcé", "服务", "🚀 launcher", "tab\there", "a\u200bb", "\u202eevil"]
)
def test_odd_unicode_in_names_is_kept_as_text(name):
    [span] = parse_traces(as_bytes(jaeger_trace(jaeger_span(("peer.service", name)))), source="j")

    assert span.remote_service == name


def test_nul_characters_are_removed_from_names_and_blank_names_are_none():
    spans = parse_traces(
        as_bytes(
            [
                zipkin_span(localEndpoint={"serviceName": "a\u0000b"}),
                zipkin_span(localEndpoint={"serviceName": " \u0000 "}),
            ]
        ),
        source="z",
    )

    assert [span.local_service for span in spans] == ["ab", None]


def test_otlp_names_the_broker_of_a_consumer_from_messaging_system():
    [span] = parse_traces(
        as_bytes(
            otlp_body(
                otlp_span(
                    ("messaging.system", {"stringValue": "kafka"}),
                    kind=5,
                )
            )
        ),
        source="o",
    )

    assert (span.kind, *remote(span)) == (SpanKind.CONSUMER, "kafka", NodeKind.QUEUE, "kafka")


def test_a_consumer_with_database_attributes_gets_no_database_as_its_caller():
    [span] = parse_traces(
        as_bytes(
            otlp_body(
                otlp_span(
                    ("db.system", {"stringValue": "redis"}),
                    kind=5,
                )
            )
        ),
        source="o",
    )

    assert remote(span) == (None, None, None)
