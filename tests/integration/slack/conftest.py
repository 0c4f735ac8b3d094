"""The Slack app over the sample shop's map, behind the web server, answering into a fake
Slack Web API on 127.0.0.1."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from bot.bootstrap import App, build_app, import_desk
from bot.settings import load_settings
from bot.slack.bolt import build_bolt
from bot.usecases.importing import import_file
from bot.web.app import create_app
from tests.slack.fake_api import FakeSlack
from tests.slack.requests import SECRET, action_body, command_body, signed

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
NOW = 1_777_600_000
"""2026-05-01T01:46:40Z, inside the sample shop's traffic."""


@dataclass
class Slack:
    """The app, its web client and the fake Slack it answers into."""

    app: App
    web: TestClient
    fake: FakeSlack
    answering: ThreadPoolExecutor

    def settle(self) -> None:
        """Wait for every acknowledged question to be answered."""
        self.answering.shutdown(wait=True)

    def command(self, text: str, **where: str) -> int:
        body = command_body(text, response_url=self.fake.response_url(), **where)
        return self.web.post("/slack/events", content=body, headers=signed(body)).status_code

    def press(self, action: dict[str, object], **where: str) -> int:
        body = action_body(action, response_url=self.fake.response_url(), **where)
        return self.web.post("/slack/events", content=body, headers=signed(body)).status_code


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file holding the sample shop's traces, imported once per module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('shop') / 'svcmap.db'}"
    with build_app(load_settings(database_url=url)) as app:
        for path in sorted((SAMPLES / "traces").glob("*.json")):
            import_file(import_desk(app), path)
    return url


@pytest.fixture
def make_slack(shop_db: str) -> Iterator[Callable[..., Slack]]:
    """Build the Slack app with setting overrides over the shop's map; closed after."""
    made: list[Slack] = []

    def make(members: dict[str, list[str]] | None = None, **overrides: object) -> Slack:
        fake = FakeSlack(members=members or {})
        defaults: dict[str, object] = {
            "database_url": shop_db,
            "catalog_file": SAMPLES / "owners.yaml",
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": SECRET,
            "slack_api_url": fake.api_url,
        }
        settings = load_settings(**{**defaults, **overrides})
        app = build_app(settings, clock=lambda: float(NOW))
        answering = ThreadPoolExecutor(4)
        bolt = build_bolt(app, executor=answering)
        web = TestClient(create_app(app, slack=bolt), base_url="http://127.0.0.1")
        slack = Slack(app, web, fake, answering)
        made.append(slack)
        return slack

    yield make
    for slack in made:
        slack.settle()
        slack.web.close()
        slack.app.close()
        slack.fake.close()


@pytest.fixture
def slack(make_slack: Callable[..., Slack]) -> Slack:
    """The Slack app with default settings: everyone may ask, nobody may page."""
    return make_slack()
