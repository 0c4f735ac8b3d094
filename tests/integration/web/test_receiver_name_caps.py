"""Spans whose own service the caps on new names refuse are dropped before they are paired.

A flood of new names then takes no room among the receiver's recent spans, nor among the
client spans waiting in the store; spans of known services are paired as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from bot.adapters.store.schema import pending_spans
from bot.bootstrap import App, build_app, build_receiver
from bot.settings import load_settings
from bot.usecases.receiving import Receiver
from tests.integration.alerts.conftest import Clock
from tests.integration.web.conftest import NOW, TestClient
from tests.integration.web.test_name_caps import JSON, served_by
from topology.cardinality import RATE
from topology.model import Span, SpanKind

START_US = (NOW - 60) * 1_000_000


def client_span(number: int, service: str, peer: str) -> Span:
    """A CLIENT span of `service` naming `peer`: it waits for the peer's server span."""
    return Span(
        f"{number:032x}", "a000000000000002", "a000000000000001", SpanKind.CLIENT,
        service, peer, START_US, 9_000, False,
    )  # fmt: skip


def server_span(number: int, service: str) -> Span:
    """The SERVER span of `service` under the client span of trace `number`."""
    return Span(
        f"{number:032x}", "b000000000000001", "a000000000000002", SpanKind.SERVER,
        service, None, START_US + 1_000, 6_000,
    )  # fmt: skip


@pytest.fixture
def receiver(database_url: str) -> Iterator[Callable[..., tuple[App, Receiver]]]:
    """An app over the database with the caps given, and its receiver; closed after."""
    opened: list[App] = []

    def start(**caps: object) -> tuple[App, Receiver]:
        settings = load_settings(database_url=database_url, otlp_pairing_wait=30, **caps)
        app = build_app(settings, clock=Clock(float(NOW)))
        opened.append(app)
        return app, build_receiver(app)

    yield start
    for app in opened:
        app.close()


def waiting_rows(app: App) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(pending_spans)).scalar_one())


def test_client_spans_of_refused_services_are_neither_kept_nor_left_waiting(receiver):
    app, receiving = receiver(new_names_per_minute=3)
    flood = [client_span(i, f"flood-{i:04d}", f"db-{i:04d}") for i in range(1_000)]

    received = receiving.receive(flood)

    assert received.names_refused == 997
    assert len(receiving.recent) == 3
    assert waiting_rows(app) == 3
    (refused,) = app.store.refused_names()
    assert (refused.source, refused.reason, refused.names, refused.items) == (
        "otlp",
        RATE,
        997,
        997,
    )


def test_spans_of_known_services_are_paired_while_new_names_are_refused(receiver):
    app, receiving = receiver(new_names_per_minute=2)
    receiving.receive([client_span(1, "frontend", "cart"), server_span(1, "cart")])
    assert sorted((e.parent, e.child, e.calls) for e in app.store.edges()) == [
        ("frontend", "cart", 1)
    ]
    flood = [server_span(100 + i, f"flood-{i}") for i in range(50)]

    received = receiving.receive([client_span(2, "frontend", "cart"), *flood])
    receiving.receive([server_span(2, "cart")])

    assert received.names_refused == 50
    assert sorted((e.parent, e.child, e.calls) for e in app.store.edges()) == [
        ("frontend", "cart", 2)
    ]
    assert waiting_rows(app) == 0
    assert {node.name for node in app.store.nodes()} == {"frontend", "cart"}


def test_a_span_without_a_service_is_not_refused_by_the_caps(receiver):
    _, receiving = receiver(new_names_per_minute=1)

    received = receiving.receive([server_span(1, "cart"), server_span(2, None)])  # type: ignore[arg-type]

    assert received.names_refused == 0


def gauges(client: TestClient) -> dict[str, float]:
    """The receiver's pairing gauges on `/metrics`."""
    found = {}
    for line in client.get("/metrics").text.splitlines():
        name, _, value = line.partition(" ")
        if name in ("svcmap_otlp_recent_spans", "svcmap_otlp_waiting_traces"):
            found[name] = float(value)
    return found


def test_metrics_show_the_pairing_memory_holds_no_span_of_a_refused_service(make_client):
    _, client = make_client(new_names_per_minute=5)
    flood = [f"flood-{i:03d}" for i in range(200)]

    answer = client.post("/v1/traces", content=served_by(flood), headers=JSON)

    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["rejectedSpans"] == "195"
    assert gauges(client) == {"svcmap_otlp_recent_spans": 5.0, "svcmap_otlp_waiting_traces": 0.0}
