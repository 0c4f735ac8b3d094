"""The Bolt app over a built `App`: request verification, listeners, the conversation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import slack_bolt
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.adapters.slack.delivery import SlackPoster
from bot.adapters.slack.members import GroupMembers
from bot.adapters.slack.people import DisplayNames
from bot.bootstrap import App, slack_paging
from bot.render.templating import prime_templates
from bot.settings_fields import SecretStr
from bot.slack.access import AccessPolicy
from bot.slack.conversation import Conversation
from bot.slack.incident_buttons import IncidentButtons
from bot.slack.listeners import Answers, register
from bot.slack.warning_mutes import WarningMutes
from topology.errors import SvcmapError

log = logging.getLogger(__name__)

ANSWER_WORKERS = 2
"""Questions answered at once; more wait their turn after being acknowledged."""


def access_policy(app: App) -> AccessPolicy:
    """The channels and user groups allowed to ask and to page, from the settings."""
    settings = app.settings
    return AccessPolicy(
        ask_channels=frozenset(settings.slack_allowed_channels),
        ask_groups=frozenset(settings.slack_allowed_groups),
        page_channels=frozenset(settings.slack_page_channels),
        page_groups=frozenset(settings.slack_page_groups),
    )


def conversation_of(app: App) -> Conversation:
    """The conversation answering questions asked in Slack, over `app`."""
    client, _ = _slack_on(app)
    return Conversation(
        app, SlackPoster(client), GroupMembers(client, app.clock), access_policy(app)
    )


def _slack_on(app: App) -> tuple[WebClient, SecretStr]:
    """The Slack client and the signing secret; both are set when Slack is on."""
    secret = app.settings.slack_signing_secret
    if app.slack is None or secret is None:
        raise SvcmapError(
            "Slack is off: set SVCMAP_SLACK_BOT_TOKEN and SVCMAP_SLACK_SIGNING_SECRET"
        )
    return app.slack, secret


def build_bolt(
    app: App,
    *,
    executor: ThreadPoolExecutor | None = None,
    wake: Callable[[], None] | None = None,
    answers: Answers | None = None,
) -> slack_bolt.App:
    """The Bolt app answering `/svcmap`; it verifies every request's signature.

    Listeners run on `executor` after the request is acknowledged; questions are handed
    to `answers` (by default, answered right there); a page asked for from Slack is
    recorded, then `wake` wakes its sender.
    """
    client, secret = _slack_on(app)
    poster, members, policy = (
        SlackPoster(client),
        GroupMembers(client, app.clock),
        access_policy(app),
    )
    conversation = answers or Conversation(app, poster, members, policy)
    names = (
        DisplayNames(client, app.clock)
        if app.settings.page_presser_name == "display-name"
        else None
    )
    buttons = IncidentButtons(
        app, poster, members, policy, paging=slack_paging(app.settings), wake=wake, names=names
    )
    quiet = logging.getLogger("bot.slack.bolt")
    quiet.setLevel(logging.ERROR)  # Bolt's warnings quote request bodies, tokens included
    answering = executor or ThreadPoolExecutor(ANSWER_WORKERS, thread_name_prefix="slack")

    def made(*, check_token: bool) -> slack_bolt.App:
        return slack_bolt.App(
            client=client,
            signing_secret=secret.get_secret_value(),
            token_verification_enabled=check_token,
            request_verification_enabled=True,
            process_before_response=True,
            listener_executor=answering,
            logger=quiet,
        )

    try:
        bolt = made(check_token=True)  # auth.test now, not in the first request's ack
    except BoltError:
        raise SvcmapError(
            "Slack refused SVCMAP_SLACK_BOT_TOKEN (auth.test failed): check the bot token"
        ) from None
    except (SlackClientError, OSError) as error:
        log.warning("Slack is unreachable (%s); the bot token is checked on first use", error)
        bolt = made(check_token=False)
    register(bolt, conversation, buttons, WarningMutes(app))
    prime_templates()
    return bolt
