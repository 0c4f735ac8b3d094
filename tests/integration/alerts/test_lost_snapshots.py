"""A snapshot lost with the process that was to save it is made again by a later one, once."""

from __future__ import annotations

import time

from bot.adapters.store.incident_rows import Outcome
from bot.adapters.store.outbox import AlertOutbox
from bot.alert_workers import AlertWorkers, save_lost
from bot.bootstrap import alert_desk
from bot.usecases.alerting import receive_alerts, save_evidence
from bot.usecases.kept_snapshots import KEPT_S
from tests.integration.alerts.conftest import webhook
from topology.incidents.webhook import parse_webhook
from topology.rca import load_snapshot

LEASE_S = 120


def opened_unsaved(app, service="payment"):
    """Record a notification as a worker does, and lose its snapshot (the process died)."""
    receipt = receive_alerts(alert_desk(app), parse_webhook(webhook(service)))
    assert receipt.recorded.outcome is Outcome.OPENED
    assert receipt.snapshot is not None
    return receipt


def test_a_later_process_saves_the_snapshot_as_it_would_have_been_saved(make_app, clock):
    dead, later = make_app(), make_app()
    lost = opened_unsaved(dead)
    clock.now += LEASE_S

    assert save_lost(later, lost_after_s=LEASE_S) == 1

    incident_id = lost.recorded.incident_id
    saved = load_snapshot(later.incidents.snapshot(incident_id), source="incident")
    assert saved.symptom is not None
    assert saved.symptom.service == "payment"
    assert saved.symptom.at == lost.snapshot.symptom.at
    # The same evidence the dead process held: saving that instead gives the same bytes.
    made_again = later.incidents.snapshot(incident_id)
    save_evidence(alert_desk(dead), lost)
    assert dead.incidents.snapshot(incident_id) == made_again


def test_a_snapshot_is_left_to_its_own_process_until_a_lease_after_opening(make_app, clock):
    app = make_app()
    lost = opened_unsaved(app)
    clock.now += LEASE_S - 1

    assert save_lost(app, lost_after_s=LEASE_S) == 0
    assert app.incidents.incident(lost.recorded.incident_id).has_snapshot is False


def test_replicas_looking_at_once_make_a_lost_snapshot_once(make_app, clock):
    replicas = [make_app(), make_app()]
    opened_unsaved(replicas[0])
    clock.now += LEASE_S

    assert [save_lost(app, lost_after_s=LEASE_S) for app in replicas] == [1, 0]


def test_a_saved_or_a_joined_incident_is_not_made_again(make_app, clock):
    app = make_app()
    saved = opened_unsaved(app, "payment")
    save_evidence(alert_desk(app), saved)
    before = app.incidents.snapshot(saved.recorded.incident_id)
    joined = receive_alerts(alert_desk(app), parse_webhook(webhook("checkout")))
    assert joined.recorded.outcome is Outcome.JOINED
    clock.now += LEASE_S

    assert save_lost(app, lost_after_s=LEASE_S) == 0
    assert app.incidents.snapshot(saved.recorded.incident_id) == before
    assert app.incidents.incident(joined.recorded.incident_id).has_snapshot is False


def test_a_snapshot_lost_longer_ago_than_kept_is_left_without(make_app, clock):
    app = make_app()
    lost = opened_unsaved(app)
    clock.now += KEPT_S + 1

    assert save_lost(app, lost_after_s=LEASE_S) == 0
    left = app.incidents.unsaved(since_s=0, before_s=int(clock.now), limit=9)
    assert [i.id for i in left] == [lost.recorded.incident_id]  # not even claimed


def test_an_incident_with_no_evidence_now_is_tried_once(make_app, clock):
    app = make_app()
    receipt = receive_alerts(alert_desk(app), parse_webhook(webhook("not-on-the-map")))
    assert receipt.recorded.outcome is Outcome.OPENED
    assert receipt.snapshot is None
    clock.now += LEASE_S
    unsaved = app.incidents.unsaved(since_s=0, before_s=int(clock.now), limit=10)
    assert [i.id for i in unsaved] == [receipt.recorded.incident_id]

    assert save_lost(app, lost_after_s=LEASE_S) == 0
    assert app.incidents.unsaved(since_s=0, before_s=int(clock.now), limit=10) == []


def test_a_started_saver_makes_the_snapshots_a_dead_process_left(make_app, clock):
    dead, later = make_app(), make_app()
    lost = opened_unsaved(dead)
    clock.now += LEASE_S
    workers = AlertWorkers(
        later, AlertOutbox(later.engine), holder="later", count=1, limit=10, lease_s=LEASE_S
    )
    workers.start()
    try:
        incident = None
        for _ in range(300):
            incident = later.incidents.incident(lost.recorded.incident_id)
            if incident is not None and incident.has_snapshot:
                break
            time.sleep(0.1)
    finally:
        workers.stop(timeout_s=10)
    assert incident is not None
    assert incident.has_snapshot
