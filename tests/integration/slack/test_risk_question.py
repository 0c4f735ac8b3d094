"""`/svcmap risk` pushed signed through the Bolt app: answered in the channel, no picture."""

import json

from tests.integration.slack.conftest import Slack


def test_risk_lists_the_weak_points_without_a_picture(slack: Slack) -> None:
    assert slack.command("risk --min-share 50%") == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    shown = message.text_of_blocks()
    assert "*Weak points of the map*" in shown
    assert "single point" in shown
    assert "Single points of failure" in shown
    slack.settle()
    assert "files.getUploadURLExternal" not in slack.fake.methods()


def test_a_bad_share_gets_the_usage_of_risk(slack: Slack) -> None:
    slack.command("risk --min-share 2")
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "ephemeral"
    assert "bad share '2'" in answer["text"]
    assert "usage: /svcmap risk" in answer["text"]


def test_a_maintenance_plan_is_answered_without_a_picture(slack: Slack) -> None:
    assert slack.command("simulate down payment --for 2h --weeks 2 --suggest") == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    shown = message.text_of_blocks()
    assert "*If payment went down from " in shown
    assert "same hours" in shown
    slack.settle()
    assert "files.getUploadURLExternal" not in slack.fake.methods()
