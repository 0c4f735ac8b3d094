"""When the ranking is not sure of its top candidate, the alerted service's owner is paged
and the candidates go with the page and the post as suggestions (SQLite and Postgres)."""

from dataclasses import replace

from bot.bootstrap import alert_desk, dispatch_desk
from bot.usecases.alerting import alert_rows, decide_opening, gather, notice_state
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import (
    INCIDENT_AT,
    PAYMENTS_KEY,
    WEB_KEY,
    FakeNotifier,
    webhook,
)
from topology.incidents.keys import incident_key
from topology.incidents.webhook import parse_webhook


def opened_with(app, *, confident):
    """Open an incident for an alert on checkout, its ranking as sure as `confident` says."""
    group = parse_webhook(webhook("checkout"))
    evidence = gather(alert_desk(app), "checkout", INCIDENT_AT)
    assert evidence.ranking is not None
    assert evidence.ranking.candidates
    unsure = replace(evidence, confident=confident)
    opening = decide_opening(alert_desk(app), group, incident_key(group), unsure, joined_to=None)
    rows = alert_rows(group, app.settings.alert_labels)
    app.incidents.record_firing(
        opening, rows, now_s=INCIDENT_AT, notice_state=notice_state(alert_desk(app))
    )
    dispatch_due(dispatch_desk(app), holder="test")
    return [c.service for c in evidence.ranking.candidates]


def test_an_unsure_ranking_pages_the_alerted_services_owner_naming_the_candidates(
    make_app, pagerduty
):
    app = make_app(notifier=FakeNotifier())

    ranked = opened_with(app, confident=False)

    (event,) = pagerduty.events
    assert event["routing_key"] == WEB_KEY
    assert event["dedup_key"].endswith("/checkout")
    payload = event["payload"]
    assert f"likely causes, not confirmed: {', '.join(ranked[:3])}" in payload["summary"]
    details = payload["custom_details"]
    assert [c["service"] for c in details["suggested_causes_not_confirmed"]] == ranked[:3]
    assert "likely_causes" not in details
    assert details["paged_because"].startswith("owner of the alerted service: the ranking is")
    (incident,) = app.incidents.incidents()
    assert incident.paged_team == "web"


def test_an_unsure_rankings_post_names_its_candidates_as_not_confirmed(make_app, pagerduty):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    ranked = opened_with(app, confident=False)

    post = notifier.posted[0]
    assert post.kind == "incident"
    assert "Likely causes, not confirmed:" in post.text
    assert f"1. {ranked[0]}" in post.text
    assert "Paging web about checkout" in post.text
    assert all(e["routing_key"] != PAYMENTS_KEY for e in pagerduty.events)


def test_a_sure_ranking_pages_the_top_candidates_owner_as_before(make_app, pagerduty):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    opened_with(app, confident=True)

    (event,) = pagerduty.events
    assert event["routing_key"] == PAYMENTS_KEY
    assert "likely_causes" in event["payload"]["custom_details"]
    assert "Likely causes:" in notifier.posted[0].text
