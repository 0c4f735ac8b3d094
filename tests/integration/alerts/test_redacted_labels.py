"""What an alert's labels and group key hold is redacted before it is stored, posted or paged;
the same group still makes the same incident."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.adapters.store.schema import incidents, metadata
from bot.bootstrap import dispatch_desk
from bot.usecases.dispatching import dispatch_due
from tests.integration.alerts.conftest import FakeNotifier, webhook
from tests.integration.alerts.test_alert_outbox import drained, waiting, workers_of
from tests.integration.alerts.test_alert_outbox import post as queue
from tests.integration.alerts.test_alert_webhook import post

IP = "10.0.3.7"
EMAIL = "ada@example.com"
PASSWORD = "hunter2-Zq9"
LEAKS = (IP, EMAIL, PASSWORD)


def labelled(
    *, ip: str = IP, status: str = "firing", starts: str = "2026-05-01T02:20:00Z"
) -> bytes:
    """A notification on checkout whose labels and group key carry an address, an e-mail
    and a password."""
    document = json.loads(webhook("checkout", status=status, starts=starts))
    labels = {
        **document["alerts"][0]["labels"],
        "instance": f"{ip}:9100",
        "pod": f"checkout-{EMAIL}",
        "dsn": f"postgres://app:{PASSWORD}@db:5432/shop",
    }
    document["alerts"][0]["labels"] = labels
    document["commonLabels"] = labels
    document["groupLabels"] = {"service": "checkout", "instance": f"{ip}:9100"}
    document["groupKey"] = f'{{}}:{{instance="{ip}:9100", service="checkout"}}'
    return json.dumps(document).encode()


def everything_stored(app) -> str:
    with app.engine.connect() as connection:
        return json.dumps(
            [
                [str(value) for value in row]
                for table in metadata.sorted_tables
                for row in connection.execute(select(table))
            ]
        )


def test_no_address_email_or_password_from_a_label_reaches_a_table_a_page_or_a_post(
    make_app, pagerduty
):
    notifier = FakeNotifier()
    app = make_app(notifier=notifier)

    answer = post(app, labelled())
    dispatch_due(dispatch_desk(app), holder="test")

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "opened"
    (event,) = pagerduty.events
    assert notifier.posted
    stored = everything_stored(app)
    for leak in LEAKS:
        assert leak not in json.dumps(event)
        assert leak not in stored
        for posted in notifier.posted:
            assert leak not in posted.text
            assert leak not in json.dumps(posted.body)
    group = event["payload"]["custom_details"]["alertmanager_group"]
    assert group.startswith('{}:{instance="{ip}:9100", service="checkout"} ~')
    assert "{ip}:9100" in stored


def test_the_same_group_key_is_the_same_incident_and_its_resolution_resolves_it(make_app):
    app = make_app()

    first = post(app, labelled()).json()
    again = post(app, labelled()).json()
    resolved = post(app, labelled(status="resolved")).json()

    assert first["outcome"] == "opened"
    assert again == {"outcome": "updated", "incident": first["incident"]}
    assert resolved == {"outcome": "resolved", "incident": first["incident"]}
    with app.engine.connect() as connection:
        assert len(connection.execute(select(incidents)).all()) == 1


def test_group_keys_redacted_alike_stay_two_groups(make_app):
    app = make_app()

    first = post(app, labelled(ip="10.0.3.7")).json()
    other = post(app, labelled(ip="10.0.3.8")).json()
    post(app, labelled(ip="10.0.3.8", status="resolved"))

    assert other["incident"] != first["incident"]
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(incidents.c.id, incidents.c.group_key, incidents.c.status)
        ).all()
    assert len({row.group_key for row in rows}) == 2
    assert len({row.group_key.split(" ~")[0] for row in rows}) == 1
    status = {row.id: row.status for row in rows}
    assert (status[first["incident"]], status[other["incident"]]) == ("firing", "resolved")


def test_a_queued_notification_keeps_no_label_as_it_came_and_joins_the_same_incident(make_app):
    app = make_app(notifier=FakeNotifier())
    opened = post(app, labelled()).json()
    workers = workers_of(app)

    queue(app, workers, labelled())
    [kept] = waiting(app)
    drained(app, workers)

    for leak in LEAKS:
        assert leak.encode() not in kept.body
    assert not waiting(app)
    with app.engine.connect() as connection:
        rows = connection.execute(select(incidents.c.id, incidents.c.group_key)).all()
    assert [row.id for row in rows] == [opened["incident"]]
    for leak in LEAKS:
        assert leak not in everything_stored(app)
