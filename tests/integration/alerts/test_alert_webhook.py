"""`POST /alerts/alertmanager` through the web app, then the sender, against a fake PagerDuty."""

import base64
import logging
import warnings
from argparse import Namespace

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from bot.bootstrap import alert_desk, dispatch_desk
from bot.cli.alerting import list_incidents, list_sent
from bot.usecases.alerting import gather
from bot.usecases.dispatching import CLAIM_TTL_S, dispatch_due
from bot.web.app import create_app
from bot.web.incidents import StoredIncidents
from tests.integration.alerts.conftest import (
    INCIDENT_AT,
    PAYMENTS_KEY,
    TOKEN,
    WEB_KEY,
    FakeNotifier,
    webhook,
)
from topology.incidents.decide import GROUP_WINDOW_S
from topology.incidents.keys import incident_key
from topology.incidents.model import RESOLVE_HOLD_S, Outbox
from topology.incidents.webhook import parse_webhook
from topology.rca import load_snapshot, rank

BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def client_of(app):
    return TestClient(create_app(app), base_url="http://127.0.0.1")


def post(app, body, headers=BEARER):
    with client_of(app) as client:
        return client.post("/alerts/alertmanager", content=body, headers=headers)


def page_rows(app):
    return app.incidents.sendings(Outbox.PAGES)


def test_a_firing_alert_pages_the_top_candidates_owner_when_sure_else_the_alerted_ones(
    make_app, pagerduty, firing_body
):
    app = make_app()
    sure = gather(alert_desk(app), "checkout", INCIDENT_AT).confident

    answer = post(app, firing_body)
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.status_code == 200
    assert answer.json()["outcome"] == "opened"
    (event,) = pagerduty.events
    key = incident_key(parse_webhook(firing_body))
    assert event["event_action"] == "trigger"
    if sure:
        assert event["routing_key"] == PAYMENTS_KEY
        assert event["dedup_key"] in {f"svcmap/{key}/payment", f"svcmap/{key}/stripe-api"}
    else:
        assert event["routing_key"] == WEB_KEY
        assert event["dedup_key"] == f"svcmap/{key}/checkout"
    assert event["payload"]["severity"] == "critical"
    assert event["payload"]["source"] == "checkout"
    assert "likely cause" in event["payload"]["summary"]
    assert {
        "href": "https://runbooks.example.com/checkout/high-error-rate",
        "text": "Runbook",
    } in event["links"]
    (row,) = page_rows(app)
    assert (row.state, row.attempts, row.team) == ("sent", 1, "payments" if sure else "web")


def test_the_same_notification_twice_pages_once(make_app, pagerduty, firing_body):
    app = make_app()

    first = post(app, firing_body)
    dispatch_due(dispatch_desk(app), holder="test")
    again = post(app, firing_body)
    dispatch_due(dispatch_desk(app), holder="test")

    assert (first.json()["outcome"], again.json()["outcome"]) == ("opened", "updated")
    assert len(pagerduty.events) == 1
    assert len(app.incidents.incidents()) == 1


def test_resolved_resolves_every_page_it_triggered_with_the_same_key(
    make_app, pagerduty, firing_body, resolved_body, clock
):
    app = make_app()
    post(app, firing_body)
    dispatch_due(dispatch_desk(app), holder="test")

    answer = post(app, resolved_body)
    dispatch_due(dispatch_desk(app), holder="test")
    assert len(pagerduty.events) == 1  # held, in case the alert fires again
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.json()["outcome"] == "resolved"
    trigger, resolve = pagerduty.events
    assert resolve == {
        "routing_key": trigger["routing_key"],
        "event_action": "resolve",
        "dedup_key": trigger["dedup_key"],
    }
    (incident,) = app.incidents.incidents()
    assert incident.status == "resolved"


def test_a_late_redelivery_of_the_firing_notification_after_resolve_pages_nobody(
    make_app, pagerduty, firing_body, resolved_body, clock
):
    app = make_app()
    for body in (firing_body, resolved_body):
        post(app, body)
        dispatch_due(dispatch_desk(app), holder="test")

    late = post(app, firing_body)  # the same alert, not one firing again: not reopened
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")

    assert late.json()["outcome"] == "stale"
    assert [e["event_action"] for e in pagerduty.events] == ["trigger", "resolve"]


def test_a_resolved_notification_of_an_unknown_group_is_accepted_and_changes_nothing(
    make_app, pagerduty, resolved_body
):
    app = make_app()

    answer = post(app, resolved_body)

    assert (answer.status_code, answer.json()["outcome"]) == (200, "unknown")
    assert app.incidents.incidents() == []


def test_dry_run_records_and_logs_what_would_be_paged_and_sends_nothing(
    make_app, pagerduty, firing_body, caplog
):
    app = make_app(paging_mode="dry-run")

    with caplog.at_level(logging.INFO, logger="bot"):
        post(app, firing_body)
        dispatch_due(dispatch_desk(app), holder="test")

    assert pagerduty.events == []
    (row,) = page_rows(app)
    assert row.state == "dry-run"
    (incident,) = app.incidents.incidents()
    paged = f"would page team {incident.paged_team}"
    assert any(paged in r.getMessage() for r in caplog.records)


def test_paging_off_records_the_incident_and_pages_nobody(make_app, pagerduty, firing_body):
    app = make_app(paging_mode="off")

    post(app, firing_body)
    dispatch_due(dispatch_desk(app), holder="test")

    assert pagerduty.events == []
    assert page_rows(app) == []
    (incident,) = app.incidents.incidents()
    assert incident.note == "paging is off"


def test_the_page_goes_first_and_the_incident_post_after_it(make_app, pagerduty, firing_body):
    pages_when_posted = []

    class Watching(FakeNotifier):
        def post(self, notice):
            pages_when_posted.append(len(pagerduty.events))
            return super().post(notice)

    notifier = Watching()
    app = make_app(notifier=notifier)

    post(app, firing_body)
    dispatch_due(dispatch_desk(app), holder="test")

    kinds = [(n.kind, n.channel) for n in notifier.posted]
    assert kinds[0] == ("incident", "#incidents")
    assert pages_when_posted[0] == 1  # the page did not wait for Slack
    paged = app.catalog.teams[str(app.incidents.incidents()[0].paged_team)].slack_channel
    assert ("upstream", paged) not in kinds  # the paged team is paged, not told
    assert "Likely causes" in notifier.posted[0].text
    (event,) = pagerduty.events
    assert all(link["text"] != "Incident post in Slack" for link in event.get("links", []))


def test_a_page_sent_again_after_its_incident_post_links_to_it(
    make_app, pagerduty, firing_body, clock
):
    app = make_app(notifier=FakeNotifier())
    post(app, firing_body)
    (row,) = page_rows(app)
    claimed = app.incidents.claim(
        Outbox.PAGES, row.id, holder="crashed", now_s=int(clock.now), ttl_s=CLAIM_TTL_S
    )

    dispatch_due(
        dispatch_desk(app), holder="other"
    )  # the post goes; the page waits for the claim to lapse
    clock.now += CLAIM_TTL_S + 1
    dispatch_due(dispatch_desk(app), holder="other")

    assert claimed
    (event,) = pagerduty.events
    assert event["links"][0] == {
        "href": "https://slack.example.com/archives/incidents/p1.000100",
        "text": "Incident post in Slack",
    }


def test_without_a_notifier_posts_are_recorded_as_dry_run(make_app, firing_body):
    app = make_app()

    post(app, firing_body)

    posts = app.incidents.sendings(Outbox.POSTS)
    assert {(p.kind, p.state) for p in posts} >= {("incident", "dry-run")}


def test_every_incident_saves_a_snapshot_of_its_evidence(make_app, firing_body):
    app = make_app()

    incident_id = post(app, firing_body).json()["incident"]

    snapshot = load_snapshot(app.incidents.snapshot(incident_id), source="saved")
    assert snapshot.symptom is not None
    assert snapshot.symptom.service == "checkout"
    assert {"checkout", "payment"} <= set(snapshot.series)


def test_ranking_from_the_saved_snapshot_finds_what_ranking_at_the_time_did(make_app, firing_body):
    app = make_app()
    at_the_time = gather(alert_desk(app), "checkout", INCIDENT_AT).ranking

    incident_id = post(app, firing_body).json()["incident"]

    saved = load_snapshot(app.incidents.snapshot(incident_id), source="saved")
    assert at_the_time is not None
    assert at_the_time.candidates
    assert rank(saved, "checkout") == at_the_time
    assert rank(saved, "checkout").to_dict() == at_the_time.to_dict()


def test_past_the_cap_the_saved_snapshot_keeps_what_ranking_read_and_ranks_the_same(
    make_app, firing_body
):
    app = make_app(snapshot_services=1)
    at_the_time = gather(alert_desk(app), "checkout", INCIDENT_AT).ranking

    incident_id = post(app, firing_body).json()["incident"]

    saved = load_snapshot(app.incidents.snapshot(incident_id), source="saved")
    assert at_the_time is not None
    assert at_the_time.candidates
    ranked = {candidate.service for candidate in at_the_time.candidates}
    assert set(saved.series) == {"checkout"} | ranked
    assert saved.omitted["beyond_cap"] > 0
    assert saved.omitted["services"] > 0
    assert rank(saved, "checkout") == at_the_time


def test_past_the_size_the_saved_snapshot_keeps_what_ranking_read_and_ranks_the_same(
    make_app, firing_body
):
    app = make_app(snapshot_bytes=10_000)
    at_the_time = gather(alert_desk(app), "checkout", INCIDENT_AT).ranking

    incident_id = post(app, firing_body).json()["incident"]

    saved = load_snapshot(app.incidents.snapshot(incident_id), source="saved")
    assert at_the_time is not None
    ranked = {candidate.service for candidate in at_the_time.candidates}
    assert set(saved.series) == {"checkout"} | ranked
    assert saved.omitted["beyond_cap"] > 0
    assert rank(saved, "checkout") == at_the_time


def test_an_alert_for_a_service_off_the_map_is_recorded_and_posted_not_dropped(make_app, pagerduty):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    answer = post(app, webhook("ledger"))
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.json()["outcome"] == "opened"
    (incident,) = app.incidents.incidents()
    assert (incident.symptom, incident.paged_team) == ("ledger", None)
    assert "nobody paged" in incident.note
    assert [n.kind for n in notifier.posted] == ["incident"]
    assert "ledger" in notifier.posted[0].text
    assert pagerduty.events == []


def test_an_alert_without_any_service_label_is_recorded_and_posted(make_app):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)
    body = webhook("x").replace(b'"service": "x", ', b"")

    post(app, body)
    dispatch_due(dispatch_desk(app), holder="test")

    (incident,) = app.incidents.incidents()
    assert incident.symptom is None
    assert "unknown (no service label)" in notifier.posted[0].text


def test_the_job_label_names_the_service_when_configured_labels_say_so(make_app, pagerduty):
    app = make_app(alert_labels="team_service,job")
    body = webhook("payment").replace(b'"service": "payment"', b'"job": "payment"')

    post(app, body)

    (incident,) = app.incidents.incidents()
    assert incident.symptom == "payment"


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Authorization": "Bearer wrong", "Content-Type": "application/json"},
        {
            "Authorization": f"Basic {base64.b64encode(b'am:' + TOKEN.encode()).decode()}",
            "Content-Type": "application/json",
        },
        {"Authorization": TOKEN, "Content-Type": "application/json"},
    ],
)
def test_a_request_without_the_credential_is_refused_and_nothing_is_stored(
    make_app, firing_body, headers
):
    app = make_app()

    answer = post(app, firing_body, headers=headers)

    assert answer.status_code == 401
    assert app.incidents.incidents() == []


def test_basic_auth_as_alertmanager_sends_it_is_accepted(make_app, firing_body):
    app = make_app(alert_token="", alert_user="am", alert_password="s3cret")
    basic = base64.b64encode(b"am:s3cret").decode()

    answer = post(
        app,
        firing_body,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/json"},
    )

    assert answer.status_code == 200


def test_without_a_configured_credential_every_alert_is_refused(make_app, firing_body, caplog):
    app = make_app(alert_token="")

    with caplog.at_level(logging.WARNING, logger="bot"):
        answer = post(app, firing_body)

    assert answer.status_code == 401
    assert "no webhook credential is configured" in caplog.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"version": "3", "groupKey": "g", "status": "firing", "alerts": []}', 400),
        (
            b'{"version": "4", "groupKey": "g", "status": "firing", '
            b'"alerts": [{"status": "firing"}]}',
            400,
        ),
        (b"x" * (4 * 1024 * 1024 + 1), 413),
    ],
)
def test_a_bad_payload_gets_a_4xx_and_a_log_line_and_nothing_is_stored(
    make_app, body, status, caplog
):
    app = make_app()

    with caplog.at_level(logging.WARNING, logger="bot"):
        answer = post(app, body)

    assert answer.status_code == status
    assert "refused an alert" in caplog.text
    assert app.incidents.incidents() == []


def test_a_body_that_is_not_json_by_content_type_is_refused(make_app, firing_body):
    app = make_app()

    answer = post(app, firing_body, headers={**BEARER, "Content-Type": "text/plain"})

    assert answer.status_code == 415


def test_the_secret_token_never_shows_in_the_log(make_app, firing_body, caplog):
    app = make_app()

    with caplog.at_level(logging.DEBUG):
        post(app, firing_body, headers={**BEARER, "Authorization": "Bearer nearly-" + TOKEN})
        post(app, firing_body)
        dispatch_due(dispatch_desk(app), holder="test")

    assert TOKEN not in caplog.text
    assert PAYMENTS_KEY not in caplog.text


def test_an_alert_storm_is_grouped_into_a_few_incidents_not_hundreds_of_posts(make_app, clock):
    app = make_app()

    for number in range(200):
        clock.now += 0.25
        answer = post(app, webhook(f"svc-{number}"))
        assert answer.status_code == 200

    own = [i for i in app.incidents.incidents(limit=500) if i.merged_into is None]
    assert len(app.incidents.incidents(limit=500)) == 200
    assert len(own) <= 3
    incident_posts = [
        p for p in app.incidents.sendings(Outbox.POSTS, limit=500) if p.kind == "incident"
    ]
    assert len(incident_posts) == len(own)


def test_a_related_alert_joins_the_open_incident_instead_of_paging_again(
    make_app, pagerduty, firing_body, clock
):
    app = make_app()
    first = post(app, firing_body).json()["incident"]
    clock.now += 60

    answer = post(app, webhook("frontend"))
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.json()["outcome"] == "joined"
    assert app.incidents.incident(answer.json()["incident"]).merged_into == first
    assert len(pagerduty.events) == 1


def test_a_later_alert_joins_the_firing_incident_that_paged_its_team_about_its_cause(
    make_app, pagerduty, firing_body, clock
):
    # Payment's fault reaches frontend's alert six minutes after checkout's, past the
    # grouping window: ranked to the same cause, it would page payments a second time.
    app = make_app()
    clock.now = INCIDENT_AT - 2 * GROUP_WINDOW_S
    first = post(app, firing_body).json()["incident"]
    clock.now = INCIDENT_AT

    answer = post(app, webhook("frontend"))
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.json()["outcome"] == "joined"
    joined = app.incidents.incident(answer.json()["incident"])
    assert joined.merged_into == first
    assert joined.cause == app.incidents.incident(first).cause
    assert len(pagerduty.events) == 1


def test_an_alert_firing_again_while_the_alerts_it_grouped_fire_on_joins_its_incident(
    make_app, pagerduty, clock
):
    # checkout's alert resolves while frontend's, grouped into its incident, fires on;
    # firing again, ranked to the same cause, it must not page that team a second time.
    app = make_app()
    first = post(app, webhook("checkout")).json()["incident"]
    assert post(app, webhook("frontend")).json()["outcome"] == "joined"
    clock.now += 60
    post(app, webhook("checkout", status="resolved"))
    clock.now += 8 * 60

    again = post(app, webhook("checkout", starts="2026-05-01T02:39:00Z")).json()
    dispatch_due(dispatch_desk(app), holder="test")

    assert again["outcome"] == "joined"
    assert app.incidents.incident(again["incident"]).merged_into == first
    assert [e["event_action"] for e in pagerduty.events] == ["trigger"]
    post(app, webhook("checkout", status="resolved", starts="2026-05-01T02:39:00Z"))
    post(app, webhook("frontend", status="resolved"))
    clock.now += RESOLVE_HOLD_S
    dispatch_due(dispatch_desk(app), holder="test")
    assert [e["event_action"] for e in pagerduty.events] == ["trigger", "resolve"]


def test_a_later_alert_after_the_incident_resolved_pages_again(
    make_app, pagerduty, firing_body, resolved_body, clock
):
    app = make_app()
    clock.now = INCIDENT_AT - 2 * GROUP_WINDOW_S
    post(app, firing_body)
    post(app, resolved_body)
    clock.now = INCIDENT_AT

    answer = post(app, webhook("frontend"))
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.json()["outcome"] == "opened"
    triggers = [e for e in pagerduty.events if e["event_action"] == "trigger"]
    assert len(triggers) == 2


def test_a_joined_alert_is_listed_as_grouped_into_the_incident_that_pages(
    make_app, pagerduty, firing_body, clock
):
    app = make_app()
    first = post(app, firing_body).json()["incident"]
    clock.now += 60
    joined = post(app, webhook("frontend")).json()["incident"]
    dispatch_due(dispatch_desk(app), holder="test")

    table = list_incidents(app, Namespace(limit=20, json=False))
    row = next(line for line in table.splitlines() if line.lstrip().startswith(f"{joined} "))
    assert f"see #{first}" in row
    panel = {item["id"]: item["summary"] for item in StoredIncidents(app.incidents).latest(10)}
    assert panel[joined].endswith(f"grouped into incident {first}")
    assert "paged: nobody" not in panel[joined]
    assert "paged: " in panel[first]


def test_the_incidents_and_pages_commands_list_what_happened(make_app, firing_body):
    app = make_app(paging_mode="dry-run")
    post(app, firing_body)

    incidents = list_incidents(app, Namespace(limit=20, json=False))
    sent = list_sent(app, Namespace(incident=None, limit=50, json=False))

    assert "checkout 5xx ratio above 5%" in incidents
    assert str(app.incidents.incidents()[0].paged_team) in incidents
    assert "dry-run" in sent
    assert "#incidents" in sent
