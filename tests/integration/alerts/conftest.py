"""An app set up for alerts over the sample shop's traces, a fake PagerDuty, a fake notifier."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest

from bot.adapters.paging.pagerduty import PagerDutyPager
from bot.adapters.paging.ports import Notice, Posted
from bot.adapters.paging.ratelimit import RateLimiter
from bot.bootstrap import App, alert_desk, build_app, import_desk
from bot.settings import load_settings
from bot.usecases.alerting import receive_alerts
from bot.usecases.importing import import_file
from tests.conftest import REPO
from tests.fake_pagerduty import FakePagerDuty
from topology.incidents.model import RESOLVE_HOLD_S
from topology.incidents.webhook import parse_webhook

INCIDENT_AT = 1_777_602_600
"""2026-05-01T02:30:00Z: payment has been failing (through stripe-api) for 20 minutes."""
TOKEN = "webhook-token"
PAYMENTS_KEY = "P" * 32
WEB_KEY = "W" * 32
CATALOG = f"""
teams:
  web: {{slack_channel: "#web", pagerduty_routing_key: "{WEB_KEY}"}}
  payments: {{slack_channel: "#payments-oncall", pagerduty_routing_key: "{PAYMENTS_KEY}"}}
  commerce: {{slack_channel: "#commerce"}}
  platform: {{slack_channel: "#platform-oncall"}}
services:
  frontend: web
  checkout: web
  payment: payments
  stripe-api: payments
  frauddetection: payments
  cart: commerce
  productcatalog: commerce
  currency: commerce
  shipping: commerce
  postgres: platform
  redis: platform
  kafka: platform
"""
SAMPLES = sorted((REPO / "samples" / "traces").glob("*.json"))


class Clock:
    """A settable clock."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeNotifier:
    """Posts nowhere; remembers what it was asked to post, and finds it again by its key."""

    posted: list[Notice] = field(default_factory=list)
    looked_for: list[Notice] = field(default_factory=list)
    places: dict[str, Posted] = field(default_factory=dict)

    def post(self, notice: Notice) -> Posted:
        self.posted.append(notice)
        ref = f"{len(self.posted)}.000100"
        place = Posted(ref, f"https://slack.example.com/archives/{notice.channel[1:]}/p{ref}")
        self.places[notice.key] = place
        return place

    def find(self, notice: Notice, *, since_s: int) -> Posted | None:  # noqa: ARG002 - the port's
        self.looked_for.append(notice)
        return self.places.get(notice.key)


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    """A fake PagerDuty Events API on 127.0.0.1."""
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "owners.yaml"
    path.write_text(CATALOG)
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock(INCIDENT_AT)


@pytest.fixture
def make_app(
    database_url: str, catalog_file: Path, pagerduty: FakePagerDuty, clock: Clock
) -> Iterator[Callable[..., App]]:
    """Build an app over one database (the first one imports the sample traces)."""
    opened: list[App] = []

    def make(*, notifier: FakeNotifier | None = None, timeout_s: float = 2.0, **overrides):
        settings = load_settings(
            **{
                "database_url": database_url,
                "catalog_file": catalog_file,
                "paging_mode": "on",
                "pagerduty_events_url": pagerduty.url,
                "alert_token": TOKEN,
                "incident_channel": "#incidents",
                **overrides,
            }
        )
        app = build_app(settings, clock=clock)
        opened.append(app)
        if not opened[:-1]:
            for path in SAMPLES:
                import_file(import_desk(app), path, None)
        client = httpx.Client(base_url=pagerduty.url, timeout=timeout_s)
        app.clients.append(client)
        limiter = RateLimiter(clock=clock, sleep=lambda _: None)
        pager = PagerDutyPager(client, limiter=limiter, sleep=lambda _: None, jitter=lambda: 0.0)
        return replace(app, pager=pager if app.pager is not None else None, notifier=notifier)

    yield make
    for app in opened:
        app.close()


@pytest.fixture
def firing_body(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "api/alertmanager_webhook_v4_firing.CONSTRUCTED.json").read_bytes()


@pytest.fixture
def resolved_body(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "api/alertmanager_webhook_v4_resolved.CONSTRUCTED.json").read_bytes()


@pytest.fixture
def fired_and_resolved(
    make_app: Callable[..., App], firing_body: bytes, resolved_body: bytes, clock: Clock
) -> App:
    """An app whose incident fired and resolved, its trigger and resolve due to send."""
    app = make_app()
    receive_alerts(alert_desk(app), parse_webhook(firing_body))
    receive_alerts(alert_desk(app), parse_webhook(resolved_body))
    clock.now += RESOLVE_HOLD_S
    return app


def webhook(
    service: str,
    *,
    group: str | None = None,
    status: str = "firing",
    starts: str = "2026-05-01T02:20:00Z",
) -> bytes:
    """A notification of one alert on `service`, in a group of its own unless `group` is given."""
    alert = {
        "status": status,
        "labels": {"alertname": "HighErrorRate", "service": service, "severity": "critical"},
        "annotations": {"summary": f"{service} 5xx ratio above 5%"},
        "startsAt": starts,
        "endsAt": "2026-05-01T02:40:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": f"fp-{service}",
    }
    return json.dumps(
        {
            "receiver": "svcmap",
            "status": status,
            "alerts": [alert],
            "groupLabels": {"service": service},
            "commonLabels": alert["labels"],
            "commonAnnotations": alert["annotations"],
            "externalURL": "http://alertmanager:9093",
            "version": "4",
            "groupKey": group or f'{{}}:{{service="{service}"}}',
            "truncatedAlerts": 0,
        }
    ).encode()
