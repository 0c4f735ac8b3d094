"""A group joining an open incident reuses its evidence, ranked again at most once a minute."""

from bot.adapters.store.incident_rows import Outcome
from bot.bootstrap import alert_desk
from bot.usecases.alerting import EVIDENCE_EVERY_S, receive_alerts, refresh_joined, save_evidence
from tests.integration.alerts.conftest import webhook
from topology.incidents.webhook import parse_webhook
from topology.rca import load_snapshot


def received(app, service, group=None):
    """Receive a notification on `service` as a worker does: record, then save the evidence."""
    receipt = receive_alerts(alert_desk(app), parse_webhook(webhook(service, group=group)))
    save_evidence(alert_desk(app), receipt)
    return receipt.recorded


def saved_at(app, incident_id):
    """When the snapshot saved with the incident was taken."""
    data = app.incidents.snapshot(incident_id)
    assert data is not None
    snapshot = load_snapshot(data, source="incident")
    assert snapshot.symptom is not None
    return snapshot.symptom.at


def test_a_group_joining_within_the_minute_reuses_the_evidence_as_it_is(make_app, clock):
    app = make_app()
    opened = received(app, "payment")
    first = app.incidents.snapshot(opened.incident_id)
    clock.now += EVIDENCE_EVERY_S - 1

    joined = received(app, "checkout")

    assert joined.outcome is Outcome.JOINED
    assert app.incidents.snapshot(opened.incident_id) == first
    assert app.incidents.incident(joined.incident_id).has_snapshot is False


def test_a_group_joining_a_minute_later_ranks_the_incident_again_and_saves_it(make_app, clock):
    app = make_app()
    opened = received(app, "payment")
    opened_at = int(clock.now)
    clock.now += EVIDENCE_EVERY_S

    joined = received(app, "checkout")

    assert joined.outcome is Outcome.JOINED
    assert saved_at(app, opened.incident_id) == opened_at + EVIDENCE_EVERY_S
    incident = app.incidents.incident(opened.incident_id)
    assert incident.cause == "stripe-api"
    assert app.incidents.incident(joined.incident_id).has_snapshot is False


def test_groups_joining_in_a_storm_refresh_the_evidence_once_a_minute(make_app, clock):
    app = make_app()
    opened = received(app, "payment")
    start = int(clock.now)
    refreshed = []
    for n in range(5):
        clock.now = start + 25 * (n + 1)  # 25, 50, 75, 100, 125 s after opening
        recorded = received(app, "checkout", group=f'{{}}:{{shard="{n}"}}')
        assert recorded.outcome is Outcome.JOINED
        refreshed.append(saved_at(app, opened.incident_id))

    # Ranked again at 75 s (60 s after opening) and 150 s would be next: 125 s is too soon.
    assert refreshed == [start, start, start + 75, start + 75, start + 75]


def test_replicas_joining_at_once_refresh_the_evidence_once(make_app, clock):
    replicas = [make_app(), make_app()]
    opened = received(replicas[0], "payment")
    clock.now += EVIDENCE_EVERY_S
    joined = [
        receive_alerts(alert_desk(app), parse_webhook(webhook(service))).recorded
        for app, service in zip(replicas, ("checkout", "frontend"), strict=True)
    ]

    done = [
        refresh_joined(alert_desk(app), r.incident_id)
        for app, r in zip(replicas, joined, strict=True)
    ]

    assert done == [True, False]
    assert saved_at(replicas[1], opened.incident_id) == int(clock.now)


def test_a_resolved_incident_is_not_ranked_again(make_app, clock):
    app = make_app()
    opened = received(app, "payment")
    joined = received(app, "checkout")
    first = app.incidents.snapshot(opened.incident_id)
    for service in ("payment", "checkout"):  # the incident and the group joined to it
        resolve = webhook(service, status="resolved")
        receive_alerts(alert_desk(app), parse_webhook(resolve))
    clock.now += EVIDENCE_EVERY_S

    assert refresh_joined(alert_desk(app), joined.incident_id) is False
    assert app.incidents.snapshot(opened.incident_id) == first


def test_without_evidence_now_the_incident_keeps_what_it_has(make_app, clock):
    app = make_app()
    opened = received(app, "payment")
    first = app.incidents.incident(opened.incident_id)
    data = app.incidents.snapshot(opened.incident_id)
    joined = receive_alerts(alert_desk(app), parse_webhook(webhook("checkout"))).recorded
    clock.now += 86_400  # nothing is stored a day later: nothing to rank on

    refreshed = refresh_joined(alert_desk(app), joined.incident_id)

    assert refreshed is False
    assert app.incidents.snapshot(opened.incident_id) == data
    assert app.incidents.incident(opened.incident_id).cause == first.cause
