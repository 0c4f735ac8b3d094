"""Bolt listeners: acknowledge at once, then hand the question to the conversation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from slack_bolt import Ack, App, Respond

from bot.slack.blocks import (
    ACK_ACTION,
    AT_ACTION,
    CAUSE_ACTION,
    EDGE_ACTION,
    PAGE_ACTION,
    RERUN_BLOCK,
    RUN_ACTION,
)
from bot.slack.conversation import Asked
from bot.slack.grammar import COMMAND
from bot.slack.incident_buttons import IncidentButtons, Pressed
from bot.slack.warning_mutes import WarningMutes
from bot.slack.warning_view import MUTE_ACTION


def _numbered(action: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action)}\.\d{{1,2}}$")


RUN_ACTIONS = _numbered(RUN_ACTION)
PAGE_ACTIONS = _numbered(PAGE_ACTION)
ACK_ACTIONS = _numbered(ACK_ACTION)
CAUSE_ACTIONS = _numbered(CAUSE_ACTION)


class Answers(Protocol):
    """What answers the questions asked in Slack: a `Conversation`, here or elsewhere."""

    def handle(self, asked: Asked) -> None:
        """Answer `asked`, or tell its asker why not."""

    def tell(self, asked: Asked, text: str) -> None:
        """Show `text` (mrkdwn, already escaped) to the asker alone."""


def register(
    bolt: App, conversation: Answers, buttons: IncidentButtons, mutes: WarningMutes | None = None
) -> None:
    """Listen for `/svcmap`, the answer's, incident post's and heads-up's buttons, and mentions."""

    def acknowledge(ack: Ack) -> None:
        ack()

    def on_command(command: Mapping[str, object], respond: Respond) -> None:
        conversation.handle(
            Asked(
                text=_text(command.get("text")),
                user=_text(command.get("user_id")),
                channel=_text(command.get("channel_id")),
                respond=respond,
            )
        )

    def on_button(
        body: Mapping[str, object], action: Mapping[str, object], respond: Respond
    ) -> None:
        _asked_by_control(conversation, body, respond, _text(action.get("value")))

    def on_edge(body: Mapping[str, object], action: Mapping[str, object], respond: Respond) -> None:
        option = action.get("selected_option")
        value = option.get("value") if isinstance(option, Mapping) else None
        _asked_by_control(conversation, body, respond, _text(value))

    def on_time(body: Mapping[str, object], action: Mapping[str, object], respond: Respond) -> None:
        block = _text(action.get("block_id"))
        moment = action.get("selected_date_time")
        if not block.startswith(RERUN_BLOCK) or not isinstance(moment, int):
            _asked_by_control(conversation, body, respond, "")
            return
        text = f"{block.removeprefix(RERUN_BLOCK)} --at {moment}"
        _asked_by_control(conversation, body, respond, text)

    def on_mention(event: Mapping[str, object]) -> None:
        thread = event.get("thread_ts") or event.get("ts")
        conversation.handle(
            Asked(
                text=_text(event.get("text")),
                user=_text(event.get("user")),
                channel=_text(event.get("channel")),
                thread_ts=thread if isinstance(thread, str) else None,
            )
        )

    def on_page(body: Mapping[str, object], action: Mapping[str, object], respond: Respond) -> None:
        buttons.page(_pressed(body, action, respond))

    def on_ack(body: Mapping[str, object], action: Mapping[str, object], respond: Respond) -> None:
        buttons.acknowledge(_pressed(body, action, respond))

    def on_cause(
        body: Mapping[str, object], action: Mapping[str, object], respond: Respond
    ) -> None:
        buttons.answer_cause(_pressed(body, action, respond))

    def on_mute(body: Mapping[str, object], action: Mapping[str, object], respond: Respond) -> None:
        if mutes is not None:
            mutes.mute(_pressed(body, action, respond))

    bolt.command(COMMAND)(ack=acknowledge, lazy=[on_command])
    bolt.action(MUTE_ACTION)(ack=acknowledge, lazy=[on_mute])
    bolt.action(PAGE_ACTIONS)(ack=acknowledge, lazy=[on_page])
    bolt.action(ACK_ACTIONS)(ack=acknowledge, lazy=[on_ack])
    bolt.action(CAUSE_ACTIONS)(ack=acknowledge, lazy=[on_cause])
    bolt.action(RUN_ACTIONS)(ack=acknowledge, lazy=[on_button])
    bolt.action(EDGE_ACTION)(ack=acknowledge, lazy=[on_edge])
    bolt.action(AT_ACTION)(ack=acknowledge, lazy=[on_time])
    bolt.event("app_mention")(ack=acknowledge, lazy=[on_mention])


def _asked_by_control(
    conversation: Answers, body: Mapping[str, object], respond: Respond, text: str
) -> None:
    """A question carried by a button or picker: answered in the thread of its message."""
    user = body.get("user")
    channel = body.get("channel")
    message = body.get("message")
    thread = None
    if isinstance(message, Mapping):
        thread = message.get("thread_ts") or message.get("ts")
    asked = Asked(
        text=text,
        user=_text(user.get("id")) if isinstance(user, Mapping) else "",
        channel=_text(channel.get("id")) if isinstance(channel, Mapping) else "",
        typed=False,
        thread_ts=thread if isinstance(thread, str) else None,
        respond=respond,
    )
    if not text:
        conversation.tell(asked, "That control carried nothing svcmap can ask; type the command.")
        return
    conversation.handle(asked)


def _pressed(body: Mapping[str, object], action: Mapping[str, object], respond: Respond) -> Pressed:
    """An incident button's press as the payload tells it; missing parts are empty."""
    user, channel, message = body.get("user"), body.get("channel"), body.get("message")
    return Pressed(
        user=_text(user.get("id")) if isinstance(user, Mapping) else "",
        channel=_text(channel.get("id")) if isinstance(channel, Mapping) else "",
        message_ts=_text(message.get("ts")) if isinstance(message, Mapping) else "",
        value=_text(action.get("value")),
        respond=respond,
        thread_ts=_text(message.get("thread_ts")) if isinstance(message, Mapping) else "",
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
