"""`svcmap serve` flooded with made-up service names still stores its map and pages."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.bootstrap import build_app
from bot.settings import load_settings
from tests.e2e.test_alertmanager import CATALOG, TOKEN, WEB_KEY, zipkin_traffic
from tests.fake_pagerduty import FakePagerDuty

pytestmark = pytest.mark.slow

NAMES_PER_EXPORT = 5_000


def flood(first: int) -> bytes:
    """An OTLP JSON export of new service names, one server span each, stamped on arrival."""
    groups = [
        {
            "resource": {
                "attributes": [{"key": "service.name", "value": {"stringValue": f"x{n}"}}]
            },
            "scopeSpans": [
                {"spans": [{"traceId": f"{n + 1:032x}", "spanId": "1" * 16, "kind": 2}]}
            ],
        }
        for n in range(first, first + NAMES_PER_EXPORT)
    ]
    return json.dumps({"resourceSpans": groups}).encode()


def firing(service: str) -> bytes:
    """An Alertmanager v4 notification of one firing alert about `service`."""
    alert = {
        "status": "firing",
        "labels": {"alertname": "HighErrorRate", "service": service},
        "annotations": {},
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "flood",
    }
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname="HighErrorRate"}',
            "status": "firing",
            "receiver": "svcmap",
            "alerts": [alert],
        }
    ).encode()


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


def test_a_flood_of_new_names_is_refused_counted_and_the_alert_still_pages(
    serve, svcmap, tmp_path: Path, pagerduty: FakePagerDuty
):
    traffic = tmp_path / "traffic.json"
    traffic.write_text(json.dumps(zipkin_traffic(int(time.time()))))
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(CATALOG)
    assert svcmap("import", traffic).code == 0
    base, env = serve(
        SVCMAP_NEW_NAMES_PER_MINUTE="100",
        SVCMAP_CATALOG_FILE=str(catalog),
        SVCMAP_PAGING_MODE="on",
        SVCMAP_PAGERDUTY_EVENTS_URL=pagerduty.url,
        SVCMAP_ALERT_TOKEN=TOKEN,
    )
    json_body = {"Content-Type": "application/json"}

    for first in (0, NAMES_PER_EXPORT):
        answer = httpx.post(f"{base}/v1/traces", content=flood(first), headers=json_body)
        assert answer.status_code == 200
    alert = httpx.post(
        f"{base}/alerts/alertmanager",
        content=firing("frontend"),
        headers={**json_body, "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )

    assert alert.status_code == 200
    (page,) = pagerduty.wait_for(1, timeout_s=60)
    assert (page["routing_key"], page["event_action"]) == (WEB_KEY, "trigger")
    settings = load_settings(database_url=env["SVCMAP_DATABASE_URL"])
    with build_app(settings) as app:
        names = {node.name for node in app.store.nodes()}
    assert {"frontend", "checkout", "payment"} <= names
    flooded = {name for name in names if name.startswith("x")}
    assert 100 <= len(flooded) < 200  # the budget, and what refilled while the test ran
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    refused = 'svcmap_names_refused_total{reason="new_names_rate",source="otlp"}'
    (line,) = [line for line in metrics.splitlines() if line.startswith(refused)]
    assert float(line.split()[-1]) == 2 * NAMES_PER_EXPORT - len(flooded)
    (otlp,) = [s for s in svcmap("sources", "--json").json() if s["source"] == "otlp"]
    assert [r["names"] for r in otlp["refused"]] == [2 * NAMES_PER_EXPORT - len(flooded)]
