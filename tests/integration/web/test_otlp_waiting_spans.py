"""Client spans waiting for their server spans are kept in the store: a restart loses none.

Each receiver here is a process of its own (its own recent traces) over one database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, insert, select, update

from bot.adapters.store.pending import key_of
from bot.adapters.store.schema import pending_spans
from bot.bootstrap import App, build_app, build_receiver
from bot.settings import load_settings
from bot.usecases.receiving import SETTLE_GRACE_S, Receiver
from tests.integration.alerts.conftest import Clock
from tests.integration.web.conftest import NOW
from topology.errors import StoreError
from topology.model import Span, SpanKind

START_US = (NOW - 60) * 1_000_000
WAIT = 10


def trace_id(number: int) -> str:
    return f"{number:032x}"


def client_span(number: int, *, error: bool = False) -> Span:
    """A frontend CLIENT span naming its peer, cart: it waits for cart's server span."""
    return Span(
        trace_id(number), "a000000000000002", "a000000000000001", SpanKind.CLIENT,
        "frontend", "cart", START_US, 9_000, error,
    )  # fmt: skip


def server_span(number: int) -> Span:
    """Cart's SERVER span under the client span of trace `number`."""
    return Span(
        trace_id(number), "b000000000000001", "a000000000000002", SpanKind.SERVER,
        "cart", None, START_US + 1_000, 6_000,
    )  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock(float(NOW))


@pytest.fixture
def process(database_url: str, clock: Clock) -> Iterator[Callable[[], tuple[App, Receiver]]]:
    """Start a process over the database: an app and its receiver; all closed after."""
    opened: list[App] = []

    def start() -> tuple[App, Receiver]:
        settings = load_settings(database_url=database_url, otlp_pairing_wait=WAIT)
        app = build_app(settings, clock=clock)
        opened.append(app)
        return app, build_receiver(app)

    yield start
    for app in opened:
        app.close()


def edges(app: App) -> list[tuple[str, str, int, int, int, int]]:
    """(parent, child, calls, errors, client-timed calls, server-timed calls) per edge."""
    return sorted(
        (e.parent, e.child, e.calls, e.errors, e.client.count, e.server.count)
        for e in app.store.edges()
    )


@contextmanager
def store_down(monkeypatch: pytest.MonkeyPatch, app: App) -> Iterator[None]:
    """While in it, the app's store refuses every import."""

    def unavailable(*_: object, **__: object) -> None:
        raise StoreError("database unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(app.store, "ingest", unavailable)
        yield


def waiting_rows(app: App) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(pending_spans)).scalar_one())


def test_an_acknowledged_client_span_is_kept_in_the_store_until_its_server_span(process):
    app, receiver = process()

    receiver.receive([client_span(1)])

    assert waiting_rows(app) == 1
    assert edges(app) == []
    receiver.receive([server_span(1)])
    assert waiting_rows(app) == 0
    assert edges(app) == [("frontend", "cart", 1, 0, 1, 1)]


def test_after_a_crash_the_server_spans_pair_with_the_client_spans_kept_in_the_store(process):
    _, receiver = process()
    receiver.receive([client_span(n) for n in range(50)])  # then the process dies

    restarted, receiver = process()
    receiver.receive([server_span(n) for n in range(50)])
    receiver.settle()

    assert edges(restarted) == [("frontend", "cart", 50, 0, 50, 50)]
    assert waiting_rows(restarted) == 0


def test_after_a_crash_the_client_spans_kept_count_alone_once_the_wait_is_over(process, clock):
    _, receiver = process()
    receiver.receive([client_span(n, error=n == 0) for n in range(30)])

    restarted, receiver = process()
    clock.now += WAIT + SETTLE_GRACE_S - 1  # left to the process that kept them, a while
    receiver.settle()
    assert edges(restarted) == []
    clock.now += 1
    receiver.settle()
    receiver.settle()
    _, another = process()
    another.settle()

    assert edges(restarted) == [("frontend", "cart", 30, 1, 30, 0)]
    assert waiting_rows(restarted) == 0


def test_an_export_sent_again_keeps_its_client_span_once(process, clock):
    app, receiver = process()
    receiver.receive([client_span(1)])
    receiver.receive([client_span(1)])
    _, restarted = process()
    restarted.receive([client_span(1)])
    clock.now += WAIT

    receiver.settle()
    restarted.settle()

    assert waiting_rows(app) == 0
    assert edges(app) == [("frontend", "cart", 1, 0, 1, 0)]


def test_a_client_span_paired_by_another_process_is_not_counted_again_by_its_own(process, clock):
    app, first = process()
    _, second = process()
    first.receive([client_span(1)])

    second.receive([server_span(1)])  # the halves of a call reach two replicas
    clock.now += WAIT
    first.settle()

    assert edges(app) == [("frontend", "cart", 1, 0, 1, 1)]
    assert waiting_rows(app) == 0


def test_a_server_span_after_another_process_counted_its_client_alone_adds_no_call(process, clock):
    app, first = process()
    _, second = process()
    first.receive([client_span(1), client_span(2)])
    second.receive([server_span(2)])  # pairs with the client span first kept
    clock.now += WAIT
    first.settle()

    second.receive([server_span(1)])  # late: its client span was counted alone

    assert edges(app) == [("frontend", "cart", 2, 0, 2, 1)]


def test_a_process_holding_a_span_counted_alone_elsewhere_does_not_pair_it_again(process, clock):
    app, first = process()
    _, second = process()
    first.receive([client_span(1)])
    second.receive([Span(trace_id(1), "b000000000000009", "a000000000000009", SpanKind.SERVER,
                         "cart", None, START_US, 1_000)])  # fmt: skip
    clock.now += WAIT
    first.settle()  # counts the client span alone

    second.receive([server_span(1)])  # second read the client span back before

    assert edges(app) == [("frontend", "cart", 1, 0, 1, 0)]
    assert waiting_rows(app) == 0


def test_client_spans_are_kept_only_with_the_export_the_store_took(process, clock, monkeypatch):
    app, receiver = process()

    with store_down(monkeypatch, app), pytest.raises(StoreError):
        receiver.receive([client_span(1)])
    assert waiting_rows(app) == 0

    receiver.receive([client_span(1)])  # the exporter sends it again after the 503

    assert waiting_rows(app) == 1
    clock.now += WAIT
    receiver.settle()
    assert edges(app) == [("frontend", "cart", 1, 0, 1, 0)]


def test_a_settle_the_store_refused_is_done_by_the_next(process, clock, monkeypatch):
    _, receiver = process()
    receiver.receive([client_span(n) for n in range(3)])
    restarted, receiver = process()
    clock.now += WAIT + SETTLE_GRACE_S

    with store_down(monkeypatch, restarted), pytest.raises(StoreError):
        receiver.settle()
    receiver.settle()

    assert edges(restarted) == [("frontend", "cart", 3, 0, 3, 0)]
    assert waiting_rows(restarted) == 0


NULLS = "null, null, null, false, false"  # remote service, start, duration, error, shared
UNREADABLE = [
    "not json",
    "{}",
    "[]",
    f"[7, null, null, null, {NULLS}, null, null, null]",  # an id that is no string
    f'["a1", null, "sideways", null, {NULLS}, null, null, null]',  # no such kind
    f'["a1", null, null, null, {NULLS}, null, [1], null]',  # an address of one field
    '["a1"' + ", 1" * 11 + "]",
]


@pytest.mark.parametrize("span", UNREADABLE)
def test_a_kept_row_that_does_not_read_is_deleted_and_the_rest_still_count(process, clock, span):
    app, receiver = process()
    receiver.receive([client_span(1)])
    with app.engine.begin() as connection:
        values = {"trace_id": trace_id(2), "span_key": "x", "until_s": NOW, "span": span}
        connection.execute(insert(pending_spans).values(values))
    clock.now += WAIT + SETTLE_GRACE_S

    _, restarted = process()
    restarted.settle()

    assert waiting_rows(app) == 0
    assert edges(app) == [("frontend", "cart", 1, 0, 1, 0)]


def test_a_server_span_reading_back_an_unreadable_row_is_stored_and_the_row_goes(process):
    app, receiver = process()
    receiver.receive([client_span(1)])
    with app.engine.begin() as connection:
        connection.execute(update(pending_spans).values(span="{"))

    _, restarted = process()
    restarted.receive([server_span(1)])

    assert waiting_rows(app) == 0
    assert [s.service for s in app.store.services()] == ["cart"]


def test_settling_reads_a_bounded_batch_at_a_time(process, clock, monkeypatch):
    monkeypatch.setattr("bot.usecases.receiving.SETTLE_BATCH", 7)
    _, receiver = process()
    receiver.receive([client_span(n) for n in range(20)])
    restarted, receiver = process()
    clock.now += WAIT + SETTLE_GRACE_S

    receiver.settle()
    assert waiting_rows(restarted) == 13
    receiver.settle()
    receiver.settle()

    assert edges(restarted) == [("frontend", "cart", 20, 0, 20, 0)]


def test_the_key_a_span_waits_under_tells_services_sharing_a_span_id_apart():
    one = client_span(1)
    other = Span(one.trace_id, one.span_id, None, SpanKind.CLIENT, "checkout", "cart")

    assert key_of(one) != key_of(other)
    assert key_of(one)[0] == one.trace_id
