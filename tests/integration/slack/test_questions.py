"""Every `/svcmap` subcommand, pushed signed through the Bolt app, answered into fake Slack."""

import json

import pytest

from tests.integration.slack.conftest import Slack

PNG = b"\x89PNG\r\n\x1a\n"
INCIDENT = "--at 2026-05-01T02:30:00Z --window 20m"


@pytest.mark.parametrize(
    ("text", "summary", "table"),
    [
        ("deps checkout", "*Dependencies of checkout*", "Downstream (what checkout calls):"),
        ("deps payment --up --depth 1", "called by 1: checkout", "Upstream (what calls payment):"),
        ("deps payment --up", "called by 2, 1 directly: checkout", "frontend"),
        ("blast payment", "*Blast radius of payment* (owned by payments)", "Teams to tell:"),
        ("path frontend postgres", "frontend \u2192 productcatalog \u2192 postgres", "1. frontend"),
        ("simulate down payment,cart", "*If payment, cart went down*", "would lose calls"),
        ("owners checkout", "*checkout* is owned by web (#web)", "Its callers' owners:"),
        (
            f"rca frontend {INCIDENT} --baseline 60m",
            "1. *stripe-api*: average latency 7.4x baseline",
            "Root-cause candidates for frontend",
        ),
    ],
)
def test_a_question_is_answered_in_the_channel_with_its_table_and_a_picture(
    slack: Slack, text: str, summary: str, table: str
) -> None:
    assert slack.command(text) == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    assert message.params["channel"] == "C111"
    shown = message.text_of_blocks()
    assert summary in shown
    assert table in shown
    assert "asked by <@W111>" in shown
    (done,) = slack.fake.wait_for("files.completeUploadExternal")
    assert done.params["channel_id"] == "C111"
    (picture,) = slack.fake.uploads.values()
    assert picture.startswith(PNG)
    assert "Authorization" in message.headers
    assert message.headers["Authorization"] == "Bearer xoxb-test-token"


def test_diff_is_answered_with_text_and_no_picture(slack: Slack) -> None:
    assert slack.command("diff --since 20m --at 2026-05-01T02:30:00Z") == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    assert "*What changed*: 3 latency jumps." in message.text_of_blocks()
    assert "Latency jumps (p95):" in message.text_of_blocks()
    slack.settle()
    assert "files.getUploadURLExternal" not in slack.fake.methods()


def test_the_answer_offers_drill_down_buttons_that_carry_their_question(slack: Slack) -> None:
    slack.command("deps checkout --depth 1")
    (message,) = slack.fake.wait_for("chat.postMessage")
    actions = [block for block in message.blocks() if block["type"] == "actions"]
    buttons = {e["text"]["text"]: e["value"] for e in actions[0]["elements"] if "value" in e}
    assert buttons["Upstream +1 hop"] == f"deps --up --depth 2 --at {slack_now(slack)} checkout"
    assert buttons["Owners"] == f"owners --at {slack_now(slack)} checkout"
    assert buttons["An hour earlier"].startswith("deps --depth 1 --at ")
    select = next(e for e in actions[0]["elements"] if e["type"] == "static_select")
    labels = [option["text"]["text"] for option in select["options"]]
    assert "checkout \u2192 cart" in labels
    assert actions[1]["block_id"] == "svcmap.at:deps --depth 1 checkout"


def test_help_is_shown_only_to_the_asker(slack: Slack) -> None:
    slack.command("help")
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "ephemeral"
    assert "simulate" in answer["text"]
    assert "chat.postMessage" not in slack.fake.methods()


def test_a_usage_mistake_gets_that_subcommands_help_only_for_the_asker(slack: Slack) -> None:
    slack.command("path frontend")
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "ephemeral"
    assert "required: target" in answer["text"]
    assert "usage: /svcmap path" in answer["text"]


def test_a_misspelt_service_gets_suggestions(slack: Slack) -> None:
    slack.command("blast paymnt")
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "ephemeral"
    assert "unknown service 'paymnt'; did you mean payment?" in answer["text"]


def slack_now(slack: Slack) -> int:
    return slack.app.now()


def test_drift_compares_the_catalog_with_traffic_without_a_picture(slack: Slack) -> None:
    assert slack.command("drift") == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    assert "*Catalog against traffic*" in message.text_of_blocks()
    slack.settle()
    assert "files.getUploadURLExternal" not in slack.fake.methods()
