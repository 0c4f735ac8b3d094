"""An alert that resolves and fires again within the resolve hold (a flap) fires its
incident again: no new incident, no new page, and no resolve sent in between."""

import threading
import time
from argparse import Namespace

import pytest
from sqlalchemy import create_engine, text, update

from bot.adapters.store.schema import pages
from bot.bootstrap import dispatch_desk
from bot.cli.alerting import list_sent
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import WEB_KEY, FakeNotifier, webhook
from tests.integration.alerts.test_alert_webhook import post
from tests.integration.alerts.test_follow_open import EARLY
from topology.incidents.model import RESOLVE_HOLD_S, Outbox

AGAIN = "2026-05-01T02:24:00Z"
"""When checkout's alert fires again (it first fired at 02:20)."""


def actions(pagerduty):
    return [(e["routing_key"], e["event_action"]) for e in pagerduty.events]


def kinds(app, outbox):
    return sorted(row.kind for row in app.incidents.sendings(outbox))


def paged_then_resolved(app, clock):
    """checkout's alert fires (its page sent), and resolves a minute later; its incident."""
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    dispatch_due(dispatch_desk(app), holder="test")
    clock.now = EARLY + 60
    post(app, webhook("checkout", status="resolved"))
    return opened


def flap(app, clock, service="checkout"):
    """`service`'s alert fires, resolves a minute later, and fires again two minutes on."""
    clock.now = EARLY
    opened = post(app, webhook(service)).json()
    dispatch_due(dispatch_desk(app), holder="test")
    clock.now = EARLY + 60
    post(app, webhook(service, status="resolved"))
    dispatch_due(dispatch_desk(app), holder="test")
    clock.now = EARLY + 180
    again = post(app, webhook(service, starts=AGAIN)).json()
    dispatch_due(dispatch_desk(app), holder="test")
    return opened, again


def test_an_alert_firing_again_within_the_hold_fires_its_incident_again_paging_nobody_new(
    make_app, clock, pagerduty
):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    opened, again = flap(app, clock)

    assert again == {"outcome": "reopened", "incident": opened["incident"]}
    (incident,) = app.incidents.incidents()
    assert (incident.status, incident.resolved_at) == ("firing", None)
    assert actions(pagerduty) == [(WEB_KEY, "trigger")]  # the resolve was taken back
    assert kinds(app, Outbox.PAGES) == ["trigger"]
    assert "resolved" not in kinds(app, Outbox.POSTS)
    (reply,) = [n for n in notifier.posted if n.kind == "update"]
    assert reply.post is not None  # in the incident post's thread: it fires again
    assert "checkout" in reply.text

    clock.now = EARLY + 240
    post(app, webhook("checkout", status="resolved", starts=AGAIN))
    clock.now += RESOLVE_HOLD_S - 1
    dispatch_due(dispatch_desk(app), holder="test")
    assert actions(pagerduty) == [(WEB_KEY, "trigger")]
    clock.now += 1
    dispatch_due(dispatch_desk(app), holder="test")
    assert actions(pagerduty) == [(WEB_KEY, "trigger"), (WEB_KEY, "resolve")]
    assert [n.kind for n in notifier.posted].count("resolved") == 1
    assert app.incidents.incident(opened["incident"]).status == "resolved"


def test_an_alert_firing_again_after_the_hold_opens_a_new_incident_and_pages_again(
    make_app, clock, pagerduty
):
    app = make_app()
    clock.now = EARLY
    first = post(app, webhook("checkout")).json()["incident"]
    clock.now = EARLY + 60
    post(app, webhook("checkout", status="resolved"))
    clock.now = EARLY + 60 + RESOLVE_HOLD_S + 1
    dispatch_due(dispatch_desk(app), holder="test")

    again = post(app, webhook("checkout", starts="2026-05-01T02:27:00Z")).json()
    dispatch_due(dispatch_desk(app), holder="test")

    assert again["outcome"] == "opened"
    assert again["incident"] != first
    assert [a for _, a in actions(pagerduty)] == ["trigger", "resolve", "trigger"]


def test_a_resolve_a_sender_has_tried_is_not_taken_back(make_app, clock, pagerduty):
    # another replica claimed the resolve (its hold over by its clock): it may have reached
    # PagerDuty, so the alert firing again is a new incident, paged anew.
    app = make_app()
    first = paged_then_resolved(app, clock)
    (resolve,) = [r for r in app.incidents.sendings(Outbox.PAGES) if r.kind == "resolve"]
    assert app.incidents.claim(
        Outbox.PAGES, resolve.id, holder="other", now_s=int(clock.now), ttl_s=60
    )
    clock.now = EARLY + 180

    again = post(app, webhook("checkout", starts=AGAIN)).json()

    assert again["outcome"] == "opened"
    assert again["incident"] != first
    assert app.incidents.incident(first).status == "resolved"
    assert kinds(app, Outbox.PAGES) == ["resolve", "trigger", "trigger"]


def test_in_dry_run_a_flap_takes_back_the_dry_run_resolve(make_app, clock, pagerduty):
    app = make_app(paging_mode="dry-run")

    opened, again = flap(app, clock)

    assert again == {"outcome": "reopened", "incident": opened["incident"]}
    assert kinds(app, Outbox.PAGES) == ["trigger"]
    clock.now = EARLY + 240
    post(app, webhook("checkout", status="resolved", starts=AGAIN))
    states = {(r.kind, r.state) for r in app.incidents.sendings(Outbox.PAGES)}
    assert states == {("trigger", "dry-run"), ("resolve", "dry-run")}
    assert pagerduty.events == []


def test_a_joined_group_firing_again_fires_the_incident_it_joined_again(make_app, clock, pagerduty):
    # checkout's incident and frontend's group joined to it both resolve; frontend's
    # alert fires again within the hold: the incident goes on, its page is not resolved.
    app = make_app()
    clock.now = EARLY
    root = post(app, webhook("checkout")).json()["incident"]
    member = post(app, webhook("frontend")).json()["incident"]
    dispatch_due(dispatch_desk(app), holder="test")
    clock.now = EARLY + 60
    post(app, webhook("checkout", status="resolved"))
    post(app, webhook("frontend", status="resolved"))
    clock.now = EARLY + 180

    again = post(app, webhook("frontend", starts=AGAIN)).json()
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")

    assert again == {"outcome": "reopened", "incident": member}
    assert app.incidents.incident(member).merged_into == root
    assert actions(pagerduty) == [(WEB_KEY, "trigger")]
    post(app, webhook("frontend", status="resolved", starts=AGAIN))
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")
    assert actions(pagerduty) == [(WEB_KEY, "trigger"), (WEB_KEY, "resolve")]


def test_a_joined_group_flapping_while_its_incident_fires_on_fires_again_as_it_was(
    make_app, clock, pagerduty
):
    # frontend's group joined checkout's incident; checkout's alert fires on while
    # frontend's flaps: its own incident fires again, not one more grouped into checkout's.
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)
    clock.now = EARLY
    root = post(app, webhook("checkout")).json()["incident"]
    member = post(app, webhook("frontend")).json()["incident"]
    clock.now = EARLY + 60
    post(app, webhook("frontend", status="resolved"))
    clock.now = EARLY + 60 + RESOLVE_HOLD_S

    again = post(app, webhook("frontend", starts=AGAIN)).json()
    later = post(app, webhook("frontend", status="resolved", starts=AGAIN)).json()
    clock.now += RESOLVE_HOLD_S + 1
    last = post(app, webhook("frontend", starts="2026-05-01T02:40:00Z")).json()
    dispatch_due(dispatch_desk(app), holder="test")

    assert again == {"outcome": "reopened", "incident": member}
    assert later["outcome"] == "resolved"
    assert last["outcome"] == "opened"  # past the hold: a new episode, as before
    assert last["incident"] not in {root, member}
    assert len(app.incidents.incidents()) == 3


def test_a_late_redelivery_of_the_resolved_notification_within_the_hold_changes_nothing(
    make_app, clock, pagerduty
):
    app = make_app()
    opened, _ = flap(app, clock)

    late = post(app, webhook("checkout", status="resolved")).json()  # the first episode's
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")

    assert late["outcome"] == "stale"
    assert app.incidents.incident(opened["incident"]).status == "firing"
    assert actions(pagerduty) == [(WEB_KEY, "trigger")]


def test_with_no_hold_a_resolve_is_sent_at_once_and_a_flap_pages_again(make_app, clock, pagerduty):
    app = make_app(resolve_hold=0)

    opened, again = flap(app, clock)

    assert again["outcome"] == "opened"
    assert again["incident"] != opened["incident"]
    assert [a for _, a in actions(pagerduty)] == ["trigger", "resolve", "trigger"]


def test_the_pages_command_says_until_when_a_resolve_is_held(make_app, clock, pagerduty):
    app = make_app()
    paged_then_resolved(app, clock)

    listed = list_sent(app, Namespace(incident=None, limit=50, json=False))
    (resolve,) = [line for line in listed.splitlines() if " resolve " in line]
    assert "not before 2026-05-01T02:14:00Z" in resolve
    assert " pending " in resolve
    rows = list_sent(app, Namespace(incident=None, limit=50, json=True))
    assert f'"not_before": {EARLY + 60 + RESOLVE_HOLD_S}' in rows


def test_a_resolve_claimed_while_it_is_being_taken_back_stays_and_the_alert_opens_anew(
    make_app, clock, pagerduty, database_url
):
    # Postgres, two replicas: one's sender claims the held resolve (uncommitted) just as
    # the other, told the alert fires again, deletes it; the delete waits, then finds the
    # row claimed. Taking back is rolled back whole: the alert opens a new incident.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: no claim can come in between")
    app = make_app()
    first = paged_then_resolved(app, clock)
    clock.now = EARLY + 180
    engine = create_engine(database_url)
    answers: list[dict[str, object]] = []
    try:
        with engine.connect() as other, engine.connect() as watcher:
            claim = other.begin()
            other.execute(
                update(pages)
                .where(pages.c.incident_id == first, pages.c.action == "resolve")
                .values(attempts=pages.c.attempts + 1, claimed_by="other")
            )
            firing = threading.Thread(
                target=lambda: answers.append(post(app, webhook("checkout", starts=AGAIN)).json())
            )
            firing.start()
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM%'"
            )
            deadline = time.monotonic() + 10
            while not watcher.execute(waiting).scalar() and time.monotonic() < deadline:
                watcher.rollback()
                time.sleep(0.02)
            blocked = watcher.execute(waiting).scalar()
            claim.commit()
            firing.join(10)
    finally:
        engine.dispose()

    assert blocked >= 1  # the delete did wait on the claim
    [again] = answers
    assert again["outcome"] == "opened"
    assert again["incident"] != first
    assert app.incidents.incident(first).status == "resolved"
    (resolve,) = [r for r in app.incidents.sendings(Outbox.PAGES) if r.kind == "resolve"]
    assert (resolve.attempts, resolve.claimed_by) == (1, "other")
