"""A warning pass of the built app posts in the owner's channel; the button press, signed and
sent through the real Bolt app, mutes the warning in the store."""

from __future__ import annotations

import time
import warnings
from concurrent.futures import ThreadPoolExecutor

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from bot.adapters.store.early_warnings import WarningLog
from bot.bootstrap import build_app
from bot.scheduler import warn_now
from bot.settings import load_settings
from bot.slack.bolt import build_bolt
from bot.web.app import create_app
from tests.slack.fake_api import FakeSlack
from tests.slack.requests import SECRET, action_body, signed
from topology.stats import EdgeStats

NOW = 1_800_000_000 - 1_800_000_000 % 3600
CATALOG = """
teams:
  shop: {slack_channel: "#shop"}
services:
  cart: shop
"""


def fill(app) -> None:
    for day in range(4):
        for minute in range(60):
            start = NOW - day * 86_400 - 3600 + minute * 60
            stats = EdgeStats("web", "cart", calls=60)
            for _ in range(20):
                stats.latency.add(40 + (minute if day == 0 else 0))
            app.store.ingest_edges([stats], minute_s=start, source="test", now_s=start)


def test_a_heads_up_is_posted_then_muted_by_its_button(tmp_path):
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(CATALOG)
    fake = FakeSlack()
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'svcmap.db'}",
        catalog_file=catalog,
        warnings="on",
        warnings_days=3,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
    )
    try:
        with build_app(settings, clock=lambda: NOW) as app:
            fill(app)
            report = warn_now(app, holder="me")
            assert report is not None
            assert report.posted == 1
            (posted,) = fake.of("chat.postMessage")
            assert posted.params["channel"] == "#shop"
            assert "web-&gt;cart" in posted.text_of_blocks()
            (updated,) = fake.of("chat.update")
            (upload,) = fake.of("files.completeUploadExternal")  # the picture, in the thread
            assert upload.params["thread_ts"] == updated.params["ts"]
            (button,) = next(b for b in updated.blocks() if b["type"] == "actions")["elements"]
            answering = ThreadPoolExecutor(1)
            bolt = build_bolt(app, executor=answering)
            with TestClient(create_app(app, slack=bolt), base_url="http://127.0.0.1") as web:
                body = action_body(
                    {"action_id": button["action_id"], "value": button["value"], "type": "button"},
                    response_url=fake.response_url(),
                    channel=str(updated.params["channel"]),
                    message_ts=str(updated.params["ts"]),
                )
                assert web.post("/slack/events", content=body, headers=signed(body)).status_code
                deadline = time.monotonic() + 10
                log = WarningLog(app.engine)
                while time.monotonic() < deadline:
                    if log.kept()[("web->cart", "latency_ms")].muted_until == NOW + 86_400:
                        break
                    time.sleep(0.05)
                assert log.kept()[("web->cart", "latency_ms")].muted_until == NOW + 86_400
            answering.shutdown(wait=True)
    finally:
        fake.close()
