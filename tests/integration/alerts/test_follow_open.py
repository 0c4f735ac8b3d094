"""An open incident's likely cause follows the calls that come in after its alert fired."""

import logging
import time

from bot.adapters.store.incident_rows import PageRow, SurePage
from bot.bootstrap import alert_desk, dispatch_desk
from bot.scheduler import start_refresher
from bot.usecases.alerting import EVIDENCE_EVERY_S, FOLLOW_S, follow_open, gather
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import (
    INCIDENT_AT,
    PAYMENTS_KEY,
    WEB_KEY,
    FakeNotifier,
    webhook,
)
from tests.integration.alerts.test_alert_webhook import post
from topology.errors import StoreError
from topology.incidents.model import RESOLVE_HOLD_S, Outbox

EARLY = INCIDENT_AT - 1_320
"""02:08, two minutes before payment's calls into stripe-api start failing in the sample:
an alert then finds no likely cause."""


def test_an_incident_opened_before_its_cause_shows_gets_it_a_minute_on(make_app, clock):
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    assert app.incidents.incident(opened).cause is None
    before = app.incidents.snapshot(opened)

    clock.now = EARLY + 2 * EVIDENCE_EVERY_S
    assert follow_open(alert_desk(app)) == 1

    followed = app.incidents.incident(opened)
    assert followed.cause == "stripe-api"
    assert app.incidents.snapshot(opened) not in (None, before)
    assert follow_open(alert_desk(app)) == 0  # ranked a moment ago: not due yet


def test_a_resolved_or_long_open_incident_is_left_as_it_is(make_app, clock):
    app = make_app()
    clock.now = EARLY
    resolved = post(app, webhook("checkout")).json()["incident"]
    post(app, webhook("checkout", status="resolved"))
    clock.now = EARLY - FOLLOW_S
    old = post(app, webhook("frontend")).json()["incident"]

    clock.now = EARLY + 2 * EVIDENCE_EVERY_S
    assert follow_open(alert_desk(app)) == 0

    assert app.incidents.incident(resolved).status == "resolved"
    assert app.incidents.incident(resolved).cause is None
    assert app.incidents.incident(old).cause is None


def test_the_scheduler_follows_the_open_incidents_each_minute_of_the_apps_clock(make_app, clock):
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    clock.now = EARLY + 2 * EVIDENCE_EVERY_S
    refresher = start_refresher(app, holder="test", speed=EVIDENCE_EVERY_S)  # once a second
    try:
        assert refresher.get_job("follow").trigger.interval.total_seconds() == 1
        for _ in range(300):
            if app.incidents.incident(opened).cause is not None:
                break
            time.sleep(0.1)
    finally:
        refresher.shutdown(wait=True)
    assert app.incidents.incident(opened).cause == "stripe-api"


def test_a_follow_that_fails_is_logged_and_the_next_still_runs(make_app, monkeypatch, caplog):
    calls = []

    def store_down_once(desk):
        calls.append(desk)
        if len(calls) == 1:
            raise StoreError("the store is unavailable")
        return 0

    monkeypatch.setattr("bot.usecases.alerting.follow_open", store_down_once)
    caplog.set_level(logging.ERROR, logger="bot.scheduler")
    refresher = start_refresher(make_app(), holder="test", speed=EVIDENCE_EVERY_S)
    try:
        for _ in range(50):
            if len(calls) >= 2:
                break
            time.sleep(0.1)
    finally:
        refresher.shutdown(wait=True)
    assert len(calls) >= 2
    assert "could not rank the open incidents again: the store is unavailable" in [
        record.getMessage() for record in caplog.records
    ]


def follow_at(app, clock, *minutes):
    """Follow the open incidents at each of `minutes` after EARLY, sending what they record."""
    for minute in minutes:
        clock.now = EARLY + minute * EVIDENCE_EVERY_S
        follow_open(alert_desk(app))
        dispatch_due(dispatch_desk(app), holder="test")


def test_sure_of_a_cause_another_team_owns_twice_running_it_pages_that_team_once_and_says_so(
    make_app, clock, pagerduty
):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    dispatch_due(dispatch_desk(app), holder="test")
    assert [e["routing_key"] for e in pagerduty.events] == [WEB_KEY]  # unsure: checkout's owners
    assert gather(alert_desk(app), "checkout", EARLY + 2 * EVIDENCE_EVERY_S).confident

    follow_at(app, clock, 2)
    assert len(pagerduty.events) == 1  # one ranking sure of stripe-api: nobody more yet
    follow_at(app, clock, 4, 6)  # sure again, then sure once more: paged already

    first, then = pagerduty.events
    assert then["routing_key"] == PAYMENTS_KEY
    assert then["event_action"] == "trigger"
    assert then["payload"]["component"] == "stripe-api"
    assert then["payload"]["custom_details"]["paged_first"] == "web"
    assert "sure once" in then["payload"]["custom_details"]["paged_because"]
    assert then["dedup_key"] != first["dedup_key"]
    followed = app.incidents.incident(opened)
    assert (followed.paged_team, followed.cause) == ("payments", "stripe-api")
    (reply,) = [n for n in notifier.posted if n.kind == "cause"]
    assert reply.post is not None  # in the incident post's thread
    assert "Likely cause now clear: stripe-api" in reply.text
    assert "Paging payments about stripe-api" in reply.text
    assert "First paged: web" in reply.text


def test_the_cause_s_page_is_resolved_with_the_incident(make_app, clock, pagerduty):
    app = make_app(notifier=FakeNotifier())
    clock.now = EARLY
    post(app, webhook("checkout"))
    follow_at(app, clock, 2, 4)

    post(app, webhook("checkout", status="resolved"))
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")

    resolved = {(e["routing_key"], e["event_action"]) for e in pagerduty.events}
    assert resolved == {(k, a) for k in (WEB_KEY, PAYMENTS_KEY) for a in ("trigger", "resolve")}


def test_a_dry_run_records_the_cause_s_page_and_reply_without_sending_them(
    make_app, clock, pagerduty
):
    app = make_app(paging_mode="dry-run")
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]

    follow_at(app, clock, 2, 4)

    assert pagerduty.events == []
    pages = app.incidents.sendings(Outbox.PAGES, incident_id=opened)
    assert {(p.team, p.state) for p in pages} == {("web", "dry-run"), ("payments", "dry-run")}
    (reply,) = [
        p for p in app.incidents.sendings(Outbox.POSTS, incident_id=opened) if p.kind == "cause"
    ]
    assert reply.state == "dry-run"
    assert reply.body["paged"]["mode"] == "dry-run"


def sure_page(team="payments", service="stripe-api"):
    return PageRow(service, "trigger", team, f"svcmap/k/{service}", "pending", {"summary": "s"})


def test_the_store_records_the_cause_s_page_only_as_it_was_decided(make_app, clock):
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    reply = {"cause": "stripe-api"}

    def record(page, first):
        return app.incidents.record_sure_page(
            opened, SurePage(page, reply, first), now_s=EARLY, notice_state="pending"
        )

    assert record(sure_page(), "payments") is False  # decided on a paged team it no longer has
    assert record(sure_page(), "web") is True
    assert record(sure_page("web", "checkout"), "payments") is False  # once: its page is there
    assert app.incidents.incident(opened).paged_team == "payments"
    post(app, webhook("checkout", status="resolved"))
    assert record(sure_page("platform", "postgres"), "payments") is False  # resolved meanwhile
    pages = app.incidents.sendings(Outbox.PAGES, incident_id=opened)
    assert {p.team for p in pages if p.kind == "trigger"} == {"web", "payments"}


def test_a_long_open_incident_is_ranked_against_the_hours_before_it_opened(make_app, clock):
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    clock.now = EARLY + 50 * 60  # 48 minutes into stripe-api's failing
    # The last 15 minutes against the two hours before them: the fault fills both.
    assert gather(alert_desk(app), "checkout", int(clock.now)).ranking.candidates == ()

    assert follow_open(alert_desk(app)) == 1

    assert app.incidents.incident(opened).cause == "stripe-api"


def test_an_alert_firing_again_soon_after_its_incident_resolved_is_ranked_from_the_first(
    make_app, clock
):
    app = make_app()
    clock.now = EARLY + 4 * 60  # 02:12, two minutes into stripe-api's failing
    first = post(app, webhook("checkout", starts="2026-05-01T02:12:00Z")).json()["incident"]
    clock.now = EARLY + 42 * 60
    post(app, webhook("checkout", status="resolved"))
    clock.now = EARLY + 50 * 60  # the alert flaps: firing again 8 minutes later
    # Ranked on its own, the fault's first 33 minutes are the new incident's baseline.
    assert gather(alert_desk(app), "checkout", int(clock.now)).ranking.candidates == ()

    again = post(app, webhook("checkout", starts="2026-05-01T02:58:00Z")).json()["incident"]

    assert again != first
    assert app.incidents.incident(again).cause == "stripe-api"


def test_an_incident_whose_alert_resolved_while_a_group_it_joined_fires_is_still_followed(
    make_app, clock, pagerduty
):
    # checkout's alert resolves a minute in, frontend's (grouped into its incident) fires on:
    # the fault goes on, so the incident is still ranked again and pages once sure.
    app = make_app(notifier=FakeNotifier())
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    assert post(app, webhook("frontend")).json()["outcome"] == "joined"
    clock.now = EARLY + 60
    post(app, webhook("checkout", status="resolved"))
    assert app.incidents.incident(opened).status == "resolved"

    follow_at(app, clock, 2, 4)

    assert app.incidents.incident(opened).cause == "stripe-api"
    assert [e["routing_key"] for e in pagerduty.events] == [WEB_KEY, PAYMENTS_KEY]
    post(app, webhook("frontend", status="resolved"))
    follow_at(app, clock, 6, 10)  # the resolves are held 5 minutes
    actions = [(e["routing_key"], e["event_action"]) for e in pagerduty.events]
    assert actions[2:] in (
        [(WEB_KEY, "resolve"), (PAYMENTS_KEY, "resolve")],
        [(PAYMENTS_KEY, "resolve"), (WEB_KEY, "resolve")],
    )


def test_a_related_group_joins_an_incident_whose_alert_resolved_while_a_group_fires_on(
    make_app, clock
):
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    post(app, webhook("frontend"))
    clock.now = EARLY + 60
    post(app, webhook("checkout", status="resolved"))
    clock.now = EARLY + 120

    answer = post(app, webhook("cart")).json()

    assert answer["outcome"] == "joined"
    assert app.incidents.incident(answer["incident"]).merged_into == opened
