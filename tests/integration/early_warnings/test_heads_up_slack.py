"""A heads-up through the real Slack client to a fake Slack API on 127.0.0.1, and its mute."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from slack_sdk import WebClient

from bot.adapters.slack.delivery import SlackPoster
from bot.adapters.slack.heads_up import SlackHeadsUp
from bot.adapters.store.early_warnings import WarningLog
from bot.bootstrap import build_app
from bot.settings import load_settings
from bot.slack.incident_buttons import Pressed
from bot.slack.warning_mutes import WarningMutes
from bot.slack.warning_view import MUTE_ACTION, mute_sealer, mute_value, read_mute_value
from tests.slack.fake_api import FakeSlack
from topology.ownership import Catalog, Team
from topology.warnings.model import Finding
from topology.warnings.track import track

SECRET = "a signing secret"
T = 1_800_000_000
HOSTILE = "<!channel> *cart*_~`x`"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


def heads_up(slack: FakeSlack) -> SlackHeadsUp:
    catalog = Catalog(
        owners={HOSTILE: "shop", "web": "front"},
        teams={"shop": Team("shop", "#shop"), "front": Team("front", "#front")},
    )
    poster = SlackPoster(WebClient(base_url=slack.api_url))
    return SlackHeadsUp(poster, mute_sealer(SECRET), catalog=lambda: catalog, draw=lambda _: b"")


def kept(subject: str):
    finding = Finding(subject, "latency_ms", "trend", 55.0, 40.0, 80.0, 1500)
    return track({}, [finding], T).writes[0]


def test_an_edge_warning_goes_to_the_callees_channel_escaped_with_a_sealed_button(slack):
    assert heads_up(slack).post(kept(f"web->{HOSTILE}"), None)
    (posted,) = slack.of("chat.postMessage")
    assert posted.params["channel"] == "#shop"
    text = posted.text_of_blocks()
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "25m" in text
    (updated,) = slack.of("chat.update")
    (button,) = next(b for b in updated.blocks() if b["type"] == "actions")["elements"]
    assert button["action_id"] == MUTE_ACTION
    subject, metric, seal = read_mute_value(button["value"])
    assert (subject, metric) == (f"web->{HOSTILE}", "latency_ms")
    channel, ts = updated.params["channel"], updated.params["ts"]
    assert mute_sealer(SECRET).holds(seal, channel, ts, f"latency_ms\x1f{subject}")


def test_a_warning_whose_owner_has_no_channel_is_not_posted(slack):
    assert not heads_up(slack).post(kept("nobody-owns-me"), None)
    assert slack.methods() == []


def test_the_mute_button_mutes_only_with_its_seal_on_its_message(tmp_path):
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", slack_signing_secret=SECRET
    )
    with build_app(settings, clock=lambda: T) as app:
        warnings = WarningLog(app.engine)
        warnings.write([kept("cart")])
        mutes = WarningMutes(replace(app), warnings)
        said: list[str] = []

        def press(value: str, ts: str = "111.222") -> None:
            mutes.mute(Pressed("U1", "C1", ts, value, lambda **kw: said.append(kw["text"])))

        seal = mute_sealer(SECRET).seal("C1", "111.222", "latency_ms\x1fcart")
        good = mute_value("cart", "latency_ms", seal)
        press(good, ts="999.000")  # another message
        press(json.dumps({"s": "cart", "m": "latency_ms", "k": "x" * 22}))
        press("not json")
        press(json.dumps({"s": "cart", "m": "latency_ms", "k": seal, "extra": 1}))
        assert warnings.kept()[("cart", "latency_ms")].muted_until is None
        press(good)
        assert warnings.kept()[("cart", "latency_ms")].muted_until == T + 86_400
        assert said[-1].startswith("Muted warnings about cart until")
        assert all("nothing" in text for text in said[:-1])
