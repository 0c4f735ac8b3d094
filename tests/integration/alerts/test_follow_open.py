"""An open incident's likely cause follows the calls that come in after its alert fired."""

import logging
import time

from bot.bootstrap import alert_desk
from bot.scheduler import start_refresher
from bot.usecases.alerting import EVIDENCE_EVERY_S, FOLLOW_S, follow_open
from tests.integration.alerts.conftest import INCIDENT_AT, webhook
from tests.integration.alerts.test_alert_webhook import post
from topology.errors import StoreError

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
