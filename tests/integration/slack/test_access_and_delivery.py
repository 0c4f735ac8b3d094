"""Who may ask, and what happens when Slack will not take the answer or Graphviz cannot draw."""

import json
from collections.abc import Callable

import pytest

from bot.bootstrap import build_app
from bot.settings import load_settings
from bot.slack.bolt import build_bolt
from tests.integration.slack.conftest import Slack
from tests.slack.fake_api import FakeSlack
from tests.slack.requests import SECRET
from topology.errors import SvcmapError


def test_a_channel_outside_the_allowed_ones_gets_a_polite_refusal(
    make_slack: Callable[..., Slack],
) -> None:
    slack = make_slack(slack_allowed_channels="C0INCIDENT")
    slack.command("blast payment", channel="C111")
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Sorry, svcmap answers only in the channels")
    slack.settle()
    assert "chat.postMessage" not in slack.fake.methods()


def test_members_of_an_allowed_group_are_answered_and_others_refused(
    make_slack: Callable[..., Slack],
) -> None:
    slack = make_slack(members={"S0SRE": ["W111"]}, slack_allowed_groups="S0SRE")
    slack.command("blast payment", user="W222")
    (hook,) = slack.fake.wait_for("/hooks/1")
    assert "user groups" in json.loads(hook.body)["text"]
    slack.command("blast payment", user="W111")
    slack.fake.wait_for("chat.postMessage")
    slack.settle()
    assert len(slack.fake.of("usergroups.users.list")) == 1


def test_a_group_that_cannot_be_read_lets_nobody_in(make_slack: Callable[..., Slack]) -> None:
    slack = make_slack(slack_allowed_groups="S0GONE")
    slack.command("blast payment")
    (hook,) = slack.fake.wait_for("/hooks/1")
    assert "user groups" in json.loads(hook.body)["text"]


def test_when_the_bot_is_not_in_the_channel_the_answer_comes_through_response_url(
    slack: Slack,
) -> None:
    slack.fake.fail[("chat.postMessage", "C111")] = "not_in_channel"
    slack.command("blast payment")
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "in_channel"
    shown = json.dumps(answer["blocks"])
    assert "Blast radius of payment" in shown
    assert "/invite @svcmap" in shown
    slack.settle()
    assert "files.getUploadURLExternal" not in slack.fake.methods()


def test_without_graphviz_the_picture_becomes_a_table_of_its_edges(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    slack.command("blast payment")
    _answer, second = slack.fake.wait_for("chat.postMessage", 2)
    shown = second.text_of_blocks()
    assert "*No picture this time*: Graphviz 'dot' was not found on PATH" in shown
    assert "checkout  payment" in shown
    assert "files.getUploadURLExternal" not in slack.fake.methods()


def test_a_failed_upload_is_told_to_the_asker(slack: Slack) -> None:
    slack.fake.fail[("files.completeUploadExternal", "C111")] = "invalid_channel"
    slack.command("blast payment")
    (hook,) = slack.fake.wait_for("/hooks/1")
    assert "The picture could not be shared" in json.loads(hook.body)["text"]


def test_a_bot_token_slack_refuses_stops_the_start_with_a_clear_error(tmp_path) -> None:
    fake = FakeSlack()
    fake.fail[("auth.test", "*")] = "invalid_auth"
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'svcmap.db'}",
        slack_bot_token="xoxb-revoked",
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
    )
    try:
        with build_app(settings) as app, pytest.raises(SvcmapError, match="Slack refused"):
            build_bolt(app)
    finally:
        fake.close()


def test_an_unreachable_slack_at_start_leaves_the_check_for_first_use(tmp_path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'svcmap.db'}",
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url="http://127.0.0.1:9/api/",
    )
    with build_app(settings) as app:
        assert build_bolt(app) is not None
