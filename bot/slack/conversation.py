"""Answer one `/svcmap` question in Slack: check access, read it, answer, post, draw."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from bot.adapters.slack.delivery import SlackPoster
from bot.adapters.slack.members import GroupMembers
from bot.bootstrap import App, ask_desk, slack_paging
from bot.render.picture import TIMEOUT_S
from bot.render.templating import render_slack, table
from bot.slack.access import AccessPolicy
from bot.slack.blocks import AnswerView, answer_blocks, fallback_text
from bot.slack.grammar import Help, parse
from bot.slack.mrkdwn import code_block, escape, inline_code
from bot.slack.present import answer_view
from bot.slack.reruns import command_text
from bot.slack.seals import Sealer
from bot.usecases.answering import Reply, answer
from bot.usecases.drawing import picture_of, rendered, selection_of
from bot.usecases.map_questions import redacted_question
from bot.usecases.staleness import stale_sources
from topology.errors import CommandError, DeliveryError, RenderError, SvcmapError
from topology.picture import FALLBACK_HEADERS, fallback_rows, omitted_note

log = logging.getLogger(__name__)

ANSWER_BUDGET_S = 5.0
"""No answer waits longer than this for its picture: past it, the table stands alone."""
TITLE_LIMIT = 200
UPLOAD_MARGIN_S = 0.5
"""Time kept back from the budget for uploading the rendered picture."""

Respond = Callable[..., object]
"""Bolt's `respond`: posts to the request's `response_url`."""


@dataclass(frozen=True, slots=True)
class Asked:
    """A question as Slack delivered it: typed, mentioned, or carried by a button."""

    text: str
    user: str
    channel: str
    typed: bool = True
    thread_ts: str | None = None
    respond: Respond | None = None


class Conversation:
    """Answers questions asked in Slack, for one built `App`."""

    def __init__(
        self,
        app: App,
        poster: SlackPoster,
        members: GroupMembers,
        policy: AccessPolicy,
        *,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._poster = poster
        self._members = members
        self._policy = policy
        self._timer = timer

    def handle(self, asked: Asked) -> None:
        """Answer `asked` in its channel; tell only the asker about refusals and mistakes."""
        try:
            self._handle(asked)
        except Exception:
            log.exception("svcmap failed to answer a Slack question")
            self.tell(asked, "svcmap failed to answer that; the error is in its log.")

    def _handle(self, asked: Asked) -> None:
        started = self._timer()
        if not asked.user or not asked.channel:
            log.warning("ignored a Slack request that names no user or no channel")
            return
        verdict = self._policy.may_ask(
            asked.user, asked.channel, self._members.of(self._policy.ask_groups)
        )
        if not verdict.allowed:
            self.tell(asked, f"Sorry, {escape(verdict.reason)}. Ask in a channel where it works.")
            return
        try:
            parsed = parse(asked.text, typed=asked.typed)
        except CommandError as error:
            usage = f"\n{code_block(error.help)}" if error.help else ""
            self.tell(asked, f"{escape(str(error))}{usage}")
            return
        if isinstance(parsed, Help):
            self.tell(asked, code_block(parsed.text))
            return
        question = redacted_question(self._app.redaction, parsed)  # as the map names services
        try:
            reply = answer(ask_desk(self._app), question)
        except SvcmapError as error:
            said = asked.text.strip() if question == parsed else command_text(question)
            self.tell(asked, f"{inline_code(said)}: {escape(str(error))}")
            return
        parsed = question
        at = parsed.at if parsed.at is not None else self._app.now()
        stale = stale_sources(self._app) if parsed.at is None else []
        view = answer_view(
            reply, parsed, at=at, user=asked.user, stale=stale, page_seal=self._page_seal(asked)
        )
        try:
            self._poster.post(
                asked.channel,
                answer_blocks(view),
                fallback_text(view.summary),
                thread_ts=asked.thread_ts,
            )
        except DeliveryError as error:
            self._post_elsewhere(asked, view, error)
            return
        self._draw(asked, reply, deadline=started + ANSWER_BUDGET_S)

    def _page_seal(self, asked: Asked) -> Callable[[str], str] | None:
        """What seals an answer's page button to where `asked` is answered; None: no button."""
        settings = self._app.settings
        secret = settings.slack_signing_secret
        if not slack_paging(settings) or secret is None:
            return None
        sealer = Sealer(secret.get_secret_value())
        return partial(sealer.seal, asked.channel, asked.thread_ts)

    def tell(self, asked: Asked, text: str) -> None:
        """Show `text` (mrkdwn, already escaped) to the asker alone."""
        try:
            if asked.respond is not None:
                asked.respond(text=text, response_type="ephemeral", replace_original=False)
            else:
                self._poster.whisper(asked.channel, asked.user, text, thread_ts=asked.thread_ts)
        except (DeliveryError, OSError) as error:
            log.warning("could not tell the asker: %s", error)

    def _post_elsewhere(self, asked: Asked, view: AnswerView, error: DeliveryError) -> None:
        """The bot cannot post in the channel: answer through `response_url`, without picture."""
        log.warning("cannot post the answer in %s: %s", asked.channel, error)
        hint = (
            "svcmap is not in this channel: `/invite @svcmap` to get answers with pictures here."
            if error.channel_problem
            else f"Slack refused the answer: {escape(str(error))}."
        )
        if asked.respond is None:
            self.tell(asked, hint)
            return
        blocks = answer_blocks(replace(view, context=f"{view.context} \u00b7 {hint}"))
        try:
            asked.respond(
                blocks=blocks,
                text=fallback_text(view.summary),
                response_type="in_channel",
                replace_original=False,
            )
        except OSError as failure:
            log.warning("could not answer through response_url either: %s", failure)

    def _draw(self, asked: Asked, reply: Reply, *, deadline: float) -> None:
        """Render and share the answer's picture; its table instead if it cannot be in time."""
        if not reply.drawable:
            return
        try:
            picture = picture_of(reply, self._app.catalog)
            budget = min(TIMEOUT_S, deadline - self._timer() - UPLOAD_MARGIN_S)
            png = rendered(picture, fmt="png", timeout_s=budget)
        except RenderError as error:
            self._post_table(asked, reply, reason=str(error))
            return
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", reply.focus or "map")[:60]
        try:
            self._poster.upload(
                asked.channel,
                png,
                filename=f"svcmap-{reply.question}-{name}.png",
                title=f"svcmap {reply.question} {reply.focus}"[:TITLE_LIMIT],
                alt_text=(omitted_note(picture.omitted) or f"map around {reply.focus}"),
                thread_ts=asked.thread_ts,
            )
        except DeliveryError as error:
            log.warning("could not upload the picture: %s", error)
            self.tell(asked, f"The picture could not be shared: {escape(str(error))}.")

    def _post_table(self, asked: Asked, reply: Reply, *, reason: str) -> None:
        """The picture's edges as a table, for when Graphviz failed or ran out of time."""
        rows = fallback_rows(selection_of(reply), reply.window_seconds)
        summary = render_slack("slack/no_picture.md.j2", {"reason": reason})
        view = AnswerView(summary=summary, detail=table(rows, FALLBACK_HEADERS))
        try:
            self._poster.post(
                asked.channel,
                answer_blocks(view),
                fallback_text(reason),
                thread_ts=asked.thread_ts,
            )
        except DeliveryError as error:
            log.warning("could not post the picture's table: %s", error)
