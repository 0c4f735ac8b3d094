"""`svcmap serve` works the alert notifications a server that died had answered and not recorded."""

from __future__ import annotations

import json
import time

from bot.adapters.store.outbox import AlertOutbox
from bot.bootstrap import build_app
from bot.settings import load_settings
from tests.integration.alerts.conftest import webhook
from topology.incidents.keys import digest

TOKEN = "outbox-token"
LEASE_S = 120


def test_a_restarted_server_records_what_the_dead_one_answered_each_once(serve, svcmap, tmp_path):
    database = f"sqlite:///{tmp_path / 'svcmap.db'}"
    services = [f"svc-{n}" for n in range(6)]
    with build_app(load_settings(database_url=database)) as app:
        outbox = AlertOutbox(app.engine)
        now = int(time.time())
        for service in services:
            body = webhook(service, starts="2026-05-01T02:20:00Z")
            group = json.loads(body)["groupKey"]
            outbox.put(body, group_hash=digest(group, 8), now_s=now, limit=100)
        # The first was being worked when its server died: its lease has run out since.
        assert outbox.claim(holder="dead:1", now_s=now - LEASE_S - 1, lease_s=LEASE_S)

    serve(SVCMAP_ALERT_TOKEN=TOKEN)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with build_app(load_settings(database_url=database)) as app:
            if AlertOutbox(app.engine).depth() == 0:
                break
        time.sleep(0.2)
    incidents = json.loads(svcmap("incidents", "--json", "--limit", "50").out)
    assert sorted(i["symptom"] for i in incidents) == services
    assert sum(i["alerts"] for i in incidents) == len(services)
