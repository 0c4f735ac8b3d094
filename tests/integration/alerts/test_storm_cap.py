"""The storm cap and grouping, decided in one transaction even when replicas receive at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

from bot.adapters.store.incident_rows import Outcome
from bot.bootstrap import alert_desk, dispatch_desk
from bot.usecases.alerting import decide_opening, gather, receive_alerts
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import FakeNotifier, webhook
from topology.incidents.decide import STORM_LIMIT
from topology.incidents.keys import incident_key
from topology.incidents.model import Outbox
from topology.incidents.webhook import parse_webhook

ON_MAP = ("frontend", "checkout", "payment", "cart", "shipping", "currency")
OFF_MAP = ("ledger", "billing", "search", "mailer", "reports", "geo")


def own_and_joined(app):
    every = app.incidents.incidents(limit=500)
    return [i for i in every if i.merged_into is None], [i for i in every if i.merged_into]


def test_openings_decided_before_any_was_recorded_open_no_more_than_the_cap(make_app, clock):
    app = make_app()
    now = int(clock.now)
    groups = [parse_webhook(webhook(service)) for service in OFF_MAP]
    # As replicas do in a storm: every one decided to open before any was recorded.
    openings = [
        decide_opening(
            alert_desk(app), g, incident_key(g), gather(alert_desk(app), s, now), joined_to=None
        )
        for g, s in zip(groups, OFF_MAP, strict=True)
    ]

    outcomes = [
        app.incidents.record_firing(
            opening, [], now_s=now, notice_state="pending", related=frozenset()
        ).outcome
        for opening in openings
    ]

    assert outcomes.count(Outcome.OPENED) == STORM_LIMIT
    assert outcomes.count(Outcome.JOINED) == len(OFF_MAP) - STORM_LIMIT
    own, joined = own_and_joined(app)
    assert len(own) == STORM_LIMIT
    assert {i.merged_into for i in joined} == {max(i.id for i in own)}
    assert all(i.paged_team is None for i in joined)
    posts = app.incidents.sendings(Outbox.POSTS, limit=500)
    assert sorted(p.incident_id for p in posts) == sorted(i.id for i in own)


def test_an_opening_decided_before_a_related_one_was_recorded_joins_it(make_app, clock):
    app = make_app()
    now = int(clock.now)
    first, second = (parse_webhook(webhook(s)) for s in ("payment", "checkout"))
    early = [
        (
            g,
            decide_opening(
                alert_desk(app), g, incident_key(g), gather(alert_desk(app), s, now), joined_to=None
            ),
        )
        for g, s in ((first, "payment"), (second, "checkout"))
    ]

    recorded = [
        app.incidents.record_firing(o, [], now_s=now, related=frozenset(ON_MAP)) for _, o in early
    ]

    assert [r.outcome for r in recorded] == [Outcome.OPENED, Outcome.JOINED]
    assert app.incidents.incident(recorded[1].incident_id).merged_into == recorded[0].incident_id


def test_concurrent_webhooks_on_two_replicas_open_at_most_the_cap_and_page_each_once(
    make_app, pagerduty
):
    notifier = FakeNotifier()
    replicas = [make_app(notifier=notifier), make_app(notifier=notifier)]
    services = [*ON_MAP, *OFF_MAP]
    start = threading.Barrier(len(services))

    def receive(number):
        start.wait()
        app = replicas[number % 2]
        return receive_alerts(alert_desk(app), parse_webhook(webhook(services[number]))).recorded

    with ThreadPoolExecutor(len(services)) as pool:
        recorded = list(pool.map(receive, range(len(services))))
    for app in replicas:
        dispatch_due(dispatch_desk(app), holder=f"replica-{id(app)}")

    app = replicas[0]
    own, joined = own_and_joined(app)
    assert len(own) + len(joined) == len(services)
    assert 1 <= len(own) <= STORM_LIMIT
    assert sum(r.outcome is Outcome.OPENED for r in recorded) == len(own)
    posts = [p for p in app.incidents.sendings(Outbox.POSTS, limit=500) if p.kind == "incident"]
    assert len(posts) == len(own)
    triggers = [e for e in pagerduty.events if e["event_action"] == "trigger"]
    assert len(triggers) == len({e["dedup_key"] for e in triggers}) <= len(own)


def test_a_group_joining_an_open_incident_ranks_nothing_and_saves_no_snapshot(make_app, clock):
    app = make_app()
    opened = receive_alerts(alert_desk(app), parse_webhook(webhook("payment")))
    clock.now += 30

    joined = receive_alerts(alert_desk(app), parse_webhook(webhook("checkout")))

    assert opened.snapshot is not None
    assert joined.recorded.outcome is Outcome.JOINED
    assert joined.snapshot is None
    assert app.incidents.incident(joined.recorded.incident_id).has_snapshot is False
