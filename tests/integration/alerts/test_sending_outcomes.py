"""A page PagerDuty accepted is never sent again for a database that failed to record it.

The database fails at the chosen moment: right after PagerDuty answered 202.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.adapters.store.retry import TRIES
from bot.bootstrap import alert_desk, dispatch_desk
from bot.dispatcher import Dispatcher
from bot.usecases.alerting import receive_alerts
from bot.usecases.deliveries import Deliveries
from bot.usecases.dispatching import CLAIM_TTL_S, dispatch_due
from tests.integration.alerts.conftest import webhook
from tests.integration.alerts.test_follow_open import EARLY
from tests.tcp_relay import TcpRelay
from topology.errors import StoreError
from topology.incidents.model import RESOLVE_HOLD_S, Outbox, PageEvent
from topology.incidents.webhook import parse_webhook


class Breaker:
    """Makes every statement of an engine fail, from when told, for `failures` statements."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.left = 0
        self.statements_failed = 0
        event.listen(engine, "before_cursor_execute", self._before)

    def fail(self, failures: int = 10**9) -> None:
        self.left = failures

    def mend(self) -> None:
        self.left = 0

    def _before(self, connection, *_: object) -> None:
        if self.left > 0:
            self.left -= 1
            self.statements_failed += 1
            raise connection.dialect.loaded_dbapi.OperationalError("the database went away")


class ThenBreak:
    """A pager that, once PagerDuty accepted an event, breaks the database."""

    def __init__(self, pager, breaker: Breaker, failures: int) -> None:
        self.pager, self.breaker, self.failures = pager, breaker, failures
        self.armed = True

    def send(self, event: PageEvent) -> str:
        key = self.pager.send(event)
        if self.armed:
            self.armed = False
            self.breaker.fail(self.failures)
        return key


def no_sleep(_: float) -> None:
    pass


def states(app) -> list[tuple[str, str]]:
    return sorted((row.kind, row.state) for row in app.incidents.sendings(Outbox.PAGES))


def actions(pagerduty) -> list[tuple[str, str]]:
    return [(e["event_action"], e["dedup_key"]) for e in pagerduty.events]


def test_a_blip_after_a_202_is_ridden_out_and_the_resolve_follows_in_the_same_sweep(
    fired_and_resolved, pagerduty
):
    app = fired_and_resolved
    breaker = Breaker(app.engine)
    desk = replace(dispatch_desk(app), pager=ThenBreak(app.pager, breaker, failures=TRIES - 1))

    dispatch_due(desk, holder="sender", sleep=no_sleep)

    assert breaker.statements_failed == TRIES - 1
    assert [action for action, _ in actions(pagerduty)] == ["trigger", "resolve"]
    assert states(app) == [("resolve", "sent"), ("trigger", "sent")]


def test_an_outage_after_a_202_is_recorded_first_when_the_store_is_back_never_sent_again(
    fired_and_resolved, pagerduty, clock
):
    app = fired_and_resolved
    breaker = Breaker(app.engine)
    desk = replace(dispatch_desk(app), pager=ThenBreak(app.pager, breaker, failures=10**9))
    deliveries = Deliveries()

    with pytest.raises(StoreError):
        dispatch_due(desk, holder="sender", deliveries=deliveries, sleep=no_sleep)
    assert len(deliveries) == 1
    with pytest.raises(StoreError):  # still down: nothing else is sent
        dispatch_due(desk, holder="sender", deliveries=deliveries, sleep=no_sleep)
    breaker.mend()
    clock.now += CLAIM_TTL_S + 1  # even once the claim lapsed
    report = dispatch_due(desk, holder="sender", deliveries=deliveries, sleep=no_sleep)

    assert [action for action, _ in actions(pagerduty)] == ["trigger", "resolve"]
    assert states(app) == [("resolve", "sent"), ("trigger", "sent")]
    assert len(report.sent) == 2
    assert len(deliveries) == 0


def test_the_sender_thread_remembers_an_accepted_page_from_one_sweep_to_the_next(
    fired_and_resolved, pagerduty, clock
):
    app = fired_and_resolved
    breaker = Breaker(app.engine)
    app = replace(app, pager=ThenBreak(app.pager, breaker, failures=10**9))
    sender = Dispatcher(app, holder="sender")

    sender.sweep()  # logs the failure, keeps the accepted trigger
    breaker.mend()
    clock.now += CLAIM_TTL_S + 1
    sender.sweep()

    assert [action for action, _ in actions(pagerduty)] == ["trigger", "resolve"]
    assert states(app) == [("resolve", "sent"), ("trigger", "sent")]


def test_a_page_whose_sender_died_mid_send_is_sent_again_before_new_ones_with_its_key(
    make_app, pagerduty, clock
):
    app = make_app()
    clock.now = EARLY  # checkout's alert, before a cause shows: its owners are paged
    receive_alerts(alert_desk(app), parse_webhook(webhook("checkout")))
    clock.now += 60  # payment's, below it, joins and pages payment's owners too
    receive_alerts(alert_desk(app), parse_webhook(webhook("payment")))
    first, crashed = sorted(app.incidents.sendings(Outbox.PAGES), key=lambda row: row.id)
    assert app.incidents.claim(
        Outbox.PAGES, crashed.id, holder="died", now_s=int(clock.now), ttl_s=CLAIM_TTL_S
    )
    clock.now += CLAIM_TTL_S + 1

    dispatch_due(dispatch_desk(app), holder="sender", sleep=no_sleep)

    assert actions(pagerduty) == [
        ("trigger", crashed.dedup_key),
        ("trigger", first.dedup_key),
    ]
    assert states(app) == [("trigger", "sent"), ("trigger", "sent")]


class RelayedDatabase:
    """A database server behind a TCP relay: it vanishes, then comes back on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.relay = TcpRelay(target)

    def vanish(self) -> None:
        self.relay.cut()

    def come_back(self) -> None:
        self.relay = TcpRelay(self.target, port=self.relay.port)


@pytest.fixture
def relayed_postgres(database_url: str) -> Iterator[tuple[RelayedDatabase, str]]:
    """The test database behind a relay (Postgres only), and the URL through it."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a relay stands in front of a database server")
    database = RelayedDatabase((url.host or "127.0.0.1", url.port or 5432))
    yield database, url.set(host="127.0.0.1", port=database.relay.port).render_as_string(False)
    database.vanish()


def test_a_postgres_vanishing_after_a_202_sends_the_trigger_once_and_the_resolve_after_it(
    make_app, relayed_postgres, firing_body, resolved_body, pagerduty, *, clock
):
    database, url = relayed_postgres
    app = make_app(database_url=url)
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    receive_alerts(alert_desk(app), parse_webhook(resolved_body))
    clock.now += RESOLVE_HOLD_S

    class ThenVanish:
        def send(self, event: PageEvent) -> str:
            key = app.pager.send(event)
            database.vanish()
            return key

    deliveries = Deliveries()
    with pytest.raises(StoreError):
        dispatch_due(
            replace(dispatch_desk(app), pager=ThenVanish()), holder="s", deliveries=deliveries
        )
    database.come_back()
    dispatch_due(dispatch_desk(app), holder="s", deliveries=deliveries, sleep=no_sleep)

    assert [action for action, _ in actions(pagerduty)] == ["trigger", "resolve"]
    assert states(app) == [("resolve", "sent"), ("trigger", "sent")]
