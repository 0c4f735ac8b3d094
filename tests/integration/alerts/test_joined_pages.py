"""A group joining an open incident pages its own service's owners when the incident does
not explain its alert: a service further down than the incident's, or beside it."""

import json
import sqlite3
from argparse import Namespace

from bot.adapters.store.incident_rows import PageRow
from bot.adapters.store.sqlite_reader import SqliteMapReader
from bot.bootstrap import dispatch_desk
from bot.cli.alerting import list_incidents
from bot.cli.incident_list import incidents_text
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import (
    INCIDENT_AT,
    PAYMENTS_KEY,
    WEB_KEY,
    FakeNotifier,
    webhook,
)
from tests.integration.alerts.test_alert_webhook import post
from tests.integration.alerts.test_follow_open import EARLY, follow_at
from topology.incidents.model import RESOLVE_HOLD_S, Outbox


def triggers(pagerduty):
    return [e["routing_key"] for e in pagerduty.events if e["event_action"] == "trigger"]


def test_an_alert_below_the_incident_s_service_pages_its_owners_once_with_a_reply(
    make_app, clock, pagerduty
):
    # checkout's alert comes first, before the calls show a cause: web is paged, unsure.
    # payment's own alert joins it a minute later; payment is below checkout, so its
    # alert says where the fault may lie: payments is paged too (once), and told why.
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    dispatch_due(dispatch_desk(app), holder="test")
    clock.now = EARLY + 60

    joined = post(app, webhook("payment")).json()
    dispatch_due(dispatch_desk(app), holder="test")

    assert joined["outcome"] == "joined"
    assert app.incidents.incident(joined["incident"]).merged_into == opened
    assert triggers(pagerduty) == [WEB_KEY, PAYMENTS_KEY]
    event = pagerduty.events[-1]
    assert event["payload"]["component"] == "payment"
    assert event["payload"]["custom_details"]["joined_incident"].startswith("checkout")
    (reply,) = [n for n in notifier.posted if n.kind == "cause"]
    assert reply.post is not None  # in the incident post's thread
    assert "An alert on payment joined this incident" in reply.text
    assert "Paging payments about payment" in reply.text
    assert "First paged: web" in reply.text

    post(app, webhook("payment"))  # a repeat
    follow_at(app, clock, 2, 4)  # sure of stripe-api (payments): paged already
    assert triggers(pagerduty) == [WEB_KEY, PAYMENTS_KEY]

    for service in ("checkout", "payment"):
        post(app, webhook(service, status="resolved"))
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")
    resolved = {e["routing_key"] for e in pagerduty.events if e["event_action"] == "resolve"}
    assert resolved == {WEB_KEY, PAYMENTS_KEY}


def test_an_alert_above_the_incident_s_service_pages_nobody_more(make_app, clock, pagerduty):
    app = make_app(notifier=FakeNotifier())
    clock.now = INCIDENT_AT
    opened = post(app, webhook("payment")).json()["incident"]
    clock.now = INCIDENT_AT + 60

    for service in ("checkout", "frontend"):  # callers of payment: its failure travels up
        assert post(app, webhook(service)).json()["outcome"] == "joined"
    dispatch_due(dispatch_desk(app), holder="test")

    assert triggers(pagerduty) == [PAYMENTS_KEY]
    pages = app.incidents.sendings(Outbox.PAGES, incident_id=opened)
    assert [p.team for p in pages] == ["payments"]


def test_in_dry_run_the_joined_group_s_page_is_recorded_not_sent(make_app, clock, pagerduty):
    app = make_app(paging_mode="dry-run")
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    clock.now = EARLY + 60
    post(app, webhook("payment"))
    dispatch_due(dispatch_desk(app), holder="test")

    assert pagerduty.events == []
    pages = app.incidents.sendings(Outbox.PAGES, incident_id=opened)
    assert {(p.team, p.state) for p in pages} == {("web", "dry-run"), ("payments", "dry-run")}


def test_the_store_records_a_joined_group_s_page_once_per_team_while_the_incident_fires(
    make_app, clock
):
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]

    def record(team, service):
        page = PageRow(service, "trigger", team, f"svcmap/k/{service}", "pending", {"summary": "s"})
        return app.incidents.record_joined_page(
            opened, page, {"joined": service}, now_s=EARLY, notice_state="pending"
        )

    assert record("web", "frontend") is False  # the incident paged web already
    assert record("payments", "payment") is True
    assert record("payments", "stripe-api") is False  # paged once per team
    post(app, webhook("checkout", status="resolved"))
    assert record("platform", "postgres") is False  # resolved meanwhile
    pages = app.incidents.sendings(Outbox.PAGES, incident_id=opened)
    assert {p.team for p in pages if p.kind == "trigger"} == {"web", "payments"}


def test_a_later_alert_unsure_of_its_cause_joins_the_firing_incident_below_it(
    make_app, clock, pagerduty
):
    # checkout's alert pages web, unsure. Six minutes on, past the grouping window,
    # frontend's alert is unsure too (its owner, web, would be paged): frontend calls
    # checkout, so it is checkout's fault seen from above, and web is paged once.
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    clock.now = EARLY + 6 * 60

    later = post(app, webhook("frontend")).json()
    dispatch_due(dispatch_desk(app), holder="test")

    assert later["outcome"] == "joined"
    assert app.incidents.incident(later["incident"]).merged_into == opened
    assert triggers(pagerduty) == [WEB_KEY]


def test_a_later_alert_sure_of_its_cause_pages_as_its_ranking_says(make_app, clock, pagerduty):
    app = make_app()
    clock.now = EARLY
    post(app, webhook("checkout"))
    clock.now = EARLY + 8 * 60  # frontend's ranking is sure of stripe-api now

    later = post(app, webhook("frontend")).json()
    dispatch_due(dispatch_desk(app), holder="test")

    assert later["outcome"] == "opened"
    assert triggers(pagerduty) == [WEB_KEY, PAYMENTS_KEY]


def test_a_later_alert_paging_a_team_a_joined_group_paged_about_the_cause_joins(
    make_app, clock, pagerduty
):
    # payments was paged when payment's alert joined checkout's incident; the incident
    # names stripe-api a minute on. frontend's alert, past the grouping window and sure of
    # stripe-api, would page payments about it: that team is on it, in that incident.
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    clock.now = EARLY + 60
    post(app, webhook("payment"))
    follow_at(app, clock, 2)
    assert app.incidents.incident(opened).cause == "stripe-api"
    clock.now = EARLY + 8 * 60

    later = post(app, webhook("frontend")).json()
    dispatch_due(dispatch_desk(app), holder="test")

    assert later["outcome"] == "joined"
    assert app.incidents.incident(later["incident"]).merged_into == opened
    assert triggers(pagerduty) == [WEB_KEY, PAYMENTS_KEY]


def test_a_group_joined_only_by_the_storm_cap_pages_nobody(make_app, clock, pagerduty):
    app = make_app()
    clock.now = EARLY
    opened = [post(app, webhook(s)).json() for s in ("cart", "shipping", "currency")]
    assert [o["outcome"] for o in opened] == ["opened"] * 3  # no routing key: nobody paged

    storm = post(app, webhook("payment")).json()  # beside them all: joins the newest
    dispatch_due(dispatch_desk(app), holder="test")

    assert storm["outcome"] == "joined"
    assert app.incidents.incident(storm["incident"]).merged_into == opened[-1]["incident"]
    assert triggers(pagerduty) == []


def test_the_incidents_command_names_every_team_an_incident_paged(
    make_app, clock, pagerduty, database_url
):
    # web paged first (checkout's alert, unsure), then payments (payment's alert joined)
    app = make_app()
    clock.now = EARLY
    opened = post(app, webhook("checkout")).json()["incident"]
    clock.now = EARLY + 60
    joined = post(app, webhook("payment")).json()["incident"]

    listed = list_incidents(app, Namespace(limit=20, json=False))
    shown = {i["id"]: i for i in json.loads(list_incidents(app, Namespace(limit=20, json=True)))}

    row = next(line for line in listed.splitlines() if line.lstrip().startswith(f"{opened} "))
    assert "web, payments" in row
    assert (shown[opened]["paged_teams"], shown[opened]["paged_team"]) == (
        ["web", "payments"],
        "web",
    )
    assert shown[joined]["paged_teams"] == []  # its page goes with the incident it joined
    if database_url.startswith("sqlite:///"):  # as the CLI reads a SQLite store, without the app
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            light = incidents_text(
                SqliteMapReader(connection, "svcmap.db"), Namespace(limit=20, json=False)
            )
        finally:
            connection.close()
        assert light == listed
