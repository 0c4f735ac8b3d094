"""A question in Slack naming a service as its traces do is answered about the node it became.

The map holds names redacted: the answer, its buttons (the questions they carry) and what
a mistake echoes name the node, never the part a rule redacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.integration.slack.conftest import Slack

RULES = r'{"checkout-u\\d+": "checkout", "pay-u\\d+": "pay-{user}"}'
"""Typed `checkout-u42` is the shop's `checkout`; `pay-u42` is a node the shop does not have."""


def test_the_answer_and_its_buttons_name_the_node_not_the_raw_name(
    make_slack: Callable[..., Slack],
) -> None:
    slack = make_slack(redact_rules=RULES)

    assert slack.command("deps checkout-u42 --depth 1") == 200

    (message,) = slack.fake.wait_for("chat.postMessage")
    assert "*Dependencies of checkout*" in message.text_of_blocks()
    assert "checkout-u42" not in json.dumps(message.blocks())
    actions = [block for block in message.blocks() if block["type"] == "actions"]
    values = [e["value"] for e in actions[0]["elements"] if "value" in e]
    assert any(value.endswith(" checkout") for value in values), values


def test_an_unknown_raw_name_is_echoed_redacted(make_slack: Callable[..., Slack]) -> None:
    slack = make_slack(redact_rules=RULES)

    slack.command("blast pay-u42")

    (hook,) = slack.fake.wait_for("/hooks/1")
    answer = json.loads(hook.body)
    assert answer["response_type"] == "ephemeral"
    assert "pay-{user}" in answer["text"]
    assert "u42" not in answer["text"]
