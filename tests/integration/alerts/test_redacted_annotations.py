"""What an alert's annotations say is redacted before it is stored, posted or paged."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.adapters.store.schema import incident_alerts, incidents, metadata, notifications, pages
from bot.bootstrap import dispatch_desk
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import FakeNotifier, webhook
from tests.integration.alerts.test_alert_outbox import drained, waiting, workers_of
from tests.integration.alerts.test_alert_outbox import post as queue
from tests.integration.alerts.test_alert_webhook import post
from topology.incidents.webhook import parse_webhook

EMAIL = "ada@example.com"
PASSWORD = "hunter2-Zq9"
TOKEN_IN_URL = "t0k-Zq9"
SUMMARY = f"checkout-1234567 fails for {EMAIL} since password={PASSWORD} expired"
RUNBOOK = f"https://ops:pw-Zq9@runbooks.example.com/checkout?token={TOKEN_IN_URL}"
SECRETS = (EMAIL, PASSWORD, TOKEN_IN_URL, "pw-Zq9", "checkout-1234567")


def annotated(summary: str = SUMMARY, **more: str) -> bytes:
    document = json.loads(webhook("checkout"))
    annotations = {"summary": summary, "runbook_url": RUNBOOK, **more}
    document["alerts"][0]["annotations"] = annotations
    document["commonAnnotations"] = annotations
    document["externalURL"] = "http://am:pw-Zq9@alertmanager:9093"
    return json.dumps(document).encode()


def stored_text(app) -> str:
    """Every row of every table the alert touched, as text."""
    with app.engine.connect() as connection:
        rows = [
            row
            for table in (incidents, incident_alerts, pages, notifications)
            for row in connection.execute(select(table))
        ]
    return json.dumps([[str(value) for value in row] for row in rows])


def test_secrets_and_names_in_annotations_are_never_stored_posted_or_paged(make_app, pagerduty):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    answer = post(app, annotated())
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.status_code == 200
    (event,) = pagerduty.events
    (incident_post, *_) = notifier.posted
    stored = stored_text(app)
    for secret in SECRETS:
        assert secret not in json.dumps(event)
        assert secret not in incident_post.text
        assert secret not in json.dumps(incident_post.body)
        assert secret not in stored
    assert "checkout-{num} fails for {email} since password={secret} expired" in stored
    assert event["payload"]["summary"].startswith("checkout-{num} fails for {email}")
    runbook = "https://{credentials}@runbooks.example.com/checkout?token={secret}"
    assert {"href": runbook, "text": "Runbook"} in event["links"]


def test_the_stored_alert_keeps_the_redacted_summary(make_app):
    app = make_app()

    post(app, annotated())

    with app.engine.connect() as connection:
        (summary,) = connection.execute(select(incident_alerts.c.summary)).scalars()
    assert summary == "checkout-{num} fails for {email} since password={secret} expired"


def test_an_annotation_with_no_rule_to_apply_is_kept_as_written(make_app):
    app = make_app(redact_defaults=False)

    post(app, annotated("checkout-1234567 5xx above 5%, password=hunter2"))

    with app.engine.connect() as connection:
        (title,) = connection.execute(select(incidents.c.title)).scalars()
    assert title == "checkout-1234567 5xx above 5%, password={secret}"


def test_hostile_or_huge_annotations_are_recorded_cut_and_never_crash(make_app):
    app = make_app()
    hostile = "<!channel> *bold* \u202e" + "x" * 4_000
    words = " ".join(f"user-{n:07d}@example.com" for n in range(150))

    answer = post(app, annotated(summary=words, description=hostile, note="\x00 nul"))

    assert answer.status_code == 200, answer.text
    with app.engine.connect() as connection:
        (summary,) = connection.execute(select(incident_alerts.c.summary)).scalars()
    assert "@example.com" not in summary
    assert len(summary) <= 1_024
    assert set(summary.split()) == {"user-{email}"}  # the word cut through is left out


def test_no_table_holds_a_secret_an_annotation_carried(make_app):
    app = make_app()

    post(app, annotated())

    with app.engine.connect() as connection:
        everything = json.dumps(
            [
                [str(value) for value in row]
                for table in metadata.sorted_tables
                for row in connection.execute(select(table))
            ]
        )
    for secret in (PASSWORD, TOKEN_IN_URL, "pw-Zq9", EMAIL):
        assert secret not in everything


def test_a_queued_notification_is_kept_redacted_and_recorded_the_same(make_app, pagerduty):
    app = make_app(notifier=FakeNotifier())
    workers = workers_of(app)

    [answer] = queue(app, workers, annotated())
    [kept] = waiting(app)
    drained(app, workers)

    assert answer.json()["outcome"] == "queued"
    for secret in SECRETS:
        assert secret.encode() not in kept.body
    assert b"checkout-{num} fails for {email} since password={secret} expired" in kept.body
    assert parse_webhook(kept.body).alerts[0].labels["service"] == "checkout"
    assert "checkout-{num} fails for {email}" in stored_text(app)
    for secret in SECRETS:
        assert secret not in stored_text(app)


def test_the_stored_alert_names_its_service_as_the_map_does(make_app):
    app = make_app()
    body = json.loads(annotated())
    body["alerts"][0]["labels"]["service"] = "checkout-1234567"
    body["alerts"][0]["labels"]["instance"] = "10.0.3.7:9100"

    post(app, json.dumps(body).encode())

    with app.engine.connect() as connection:
        (service, labels) = connection.execute(
            select(incident_alerts.c.service, incident_alerts.c.labels)
        ).one()
        (symptom,) = connection.execute(select(incidents.c.symptom)).scalars()
    assert service == symptom == "checkout-{num}"
    assert json.loads(labels)["service"] == "checkout-{num}"
    assert json.loads(labels)["instance"] == "{ip}:9100"  # other labels as text is redacted
