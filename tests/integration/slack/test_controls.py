"""Buttons, the edge menu and the time picker ask their question again, in the thread of
the answer; what they carry is read like typed text, so a forged value asks nothing odd."""

import json

from tests.integration.slack.conftest import NOW, Slack
from tests.slack.requests import signed

MESSAGE_TS = "1700000000.000001"


def test_a_drill_down_button_answers_in_the_thread_of_its_message(slack: Slack) -> None:
    button = {
        "action_id": "svcmap.run.2",
        "block_id": "svcmap.controls",
        "type": "button",
        "value": f"owners --at {NOW} checkout",
    }
    assert slack.press(button) == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    assert message.params["thread_ts"] == MESSAGE_TS
    assert "*checkout* is owned by web" in message.text_of_blocks()
    (done,) = slack.fake.wait_for("files.completeUploadExternal")
    assert done.params["thread_ts"] == MESSAGE_TS


def test_the_edge_menu_shows_the_numbers_of_the_chosen_edge(slack: Slack) -> None:
    menu = {
        "action_id": "svcmap.edge",
        "block_id": "svcmap.controls",
        "type": "static_select",
        "selected_option": {
            "text": {"type": "plain_text", "text": "checkout \u2192 payment"},
            "value": f"path --at {NOW} checkout payment",
        },
    }
    assert slack.press(menu) == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    shown = message.text_of_blocks()
    assert "checkout \u2192 payment" in shown
    assert "caller    callee   calls  errors" in shown


def test_the_time_picker_asks_the_same_question_at_the_picked_time(slack: Slack) -> None:
    picker = {
        "action_id": "svcmap.at",
        "block_id": "svcmap.at:blast --window 3600s payment",
        "type": "datetimepicker",
        "selected_date_time": 1_777_602_600,
    }
    assert slack.press(picker) == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    shown = message.text_of_blocks()
    assert "window: 2026-05-01T01:30:01Z .. 2026-05-01T02:30:00Z" in shown


def test_a_forged_button_value_gets_a_usage_answer_for_the_presser_only(slack: Slack) -> None:
    forged = {"action_id": "svcmap.run.0", "type": "button", "value": "rm -rf / <!channel>"}
    assert slack.press(forged) == 200
    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "ephemeral"
    assert "unknown subcommand 'rm'" in answer["text"]
    assert "<!channel>" not in answer["text"]
    slack.settle()
    assert "chat.postMessage" not in slack.fake.methods()


def test_a_picker_without_its_question_is_answered_politely(slack: Slack) -> None:
    picker = {"action_id": "svcmap.at", "block_id": "other", "type": "datetimepicker"}
    assert slack.press(picker) == 200
    (hook,) = slack.fake.wait_for("/hooks/1")
    assert "type the command" in json.loads(hook.body)["text"]


def test_a_mention_is_answered_in_its_thread(slack: Slack) -> None:
    event = {
        "token": "verification_token",
        "team_id": "T111",
        "api_app_id": "A111",
        "type": "event_callback",
        "event_id": "Ev111",
        "event_time": NOW,
        "event": {
            "type": "app_mention",
            "user": "W111",
            "text": "<@U0SVCMAP> blast payment",
            "ts": "1700000100.000200",
            "channel": "C111",
            "event_ts": "1700000100.000200",
        },
    }
    body = json.dumps(event)
    headers = {**signed(body), "Content-Type": "application/json"}
    assert slack.web.post("/slack/events", content=body, headers=headers).status_code == 200
    (message,) = slack.fake.wait_for("chat.postMessage")
    assert message.params["thread_ts"] == "1700000100.000200"
    assert "*Blast radius of payment*" in message.text_of_blocks()


def test_a_mistake_in_a_mention_is_whispered_to_its_author(slack: Slack) -> None:
    event = {
        "type": "event_callback",
        "team_id": "T111",
        "event": {
            "type": "app_mention",
            "user": "W111",
            "text": "<@U0SVCMAP> blats",
            "ts": "1.2",
            "channel": "C111",
        },
    }
    body = json.dumps(event)
    headers = {**signed(body), "Content-Type": "application/json"}
    assert slack.web.post("/slack/events", content=body, headers=headers).status_code == 200
    (whisper,) = slack.fake.wait_for("chat.postEphemeral")
    assert whisper.params["user"] == "W111"
    assert "unknown subcommand 'blats'" in str(whisper.params["text"])
