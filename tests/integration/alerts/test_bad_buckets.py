"""An alert is recorded and paged though the store holds buckets stamped absurdly."""

import json

from sqlalchemy import select

from bot.adapters.store.schema import incident_alerts, incidents
from bot.usecases.compacting import compact_once
from tests.integration.alerts.conftest import INCIDENT_AT, webhook
from tests.integration.alerts.test_alert_webhook import post
from topology.model import Call, Served

FAR_AHEAD_US = 10**25 // 1000  # a span stamped 10^25 ns: the year 316889355
BEFORE_1970_US = -5 * 10**12


def store_absurd_buckets(app):
    calls = [
        Call("frontend", "quiet", "t1\x1fc", FAR_AHEAD_US, False),
        Call("frontend", "quiet", "t2\x1fc", BEFORE_1970_US, False),
    ]
    served = [Served("quiet", "t1\x1fs", FAR_AHEAD_US, False, 5)]
    app.store.ingest(calls, served, now_s=INCIDENT_AT, source="old", spans=3)


def test_an_alert_on_a_quiet_service_is_recorded_with_a_far_future_bucket_stored(make_app):
    app = make_app()
    store_absurd_buckets(app)

    answer = post(app, webhook("quiet"))

    assert answer.status_code == 200
    assert answer.json()["outcome"] == "opened"
    [incident] = app.incidents.incidents()
    assert incident.symptom == "quiet"


def test_a_compaction_deletes_the_buckets_stamped_over_a_day_ahead(make_app):
    app = make_app()
    store_absurd_buckets(app)

    done = compact_once(app.store, app.settings.retention, now_s=app.now())

    assert done.ahead_deleted == 3  # the edge's minute, the service's, the trace's record
    assert (app.store.time_range() or (0, 0))[1] <= INCIDENT_AT + 86_400


def test_nul_bytes_in_alert_labels_are_taken_out_before_they_are_stored(make_app):
    app = make_app()
    body = json.loads(webhook("payment"))
    body["alerts"][0]["labels"]["note"] = "a\x00b"
    body["alerts"][0]["annotations"]["summary"] = "pay\x00ment fails"
    body["commonLabels"]["note"] = "a\x00b"

    answer = post(app, json.dumps(body).encode())

    assert answer.status_code == 200
    with app.engine.connect() as connection:
        query = select(incidents.c.title, incident_alerts).join_from(incidents, incident_alerts)
        rows = connection.execute(query).all()
    assert rows
    assert all("\x00" not in str(value) for row in rows for value in row)
    assert json.loads(rows[0].labels)["note"] == "a\ufffdb"
    assert rows[0].summary == "pay\ufffdment fails"
