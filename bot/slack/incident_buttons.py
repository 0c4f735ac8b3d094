"""The incident buttons: "Page owners" (paging groups only), "Acknowledge", "It was …".

A button's value is untrusted: it is read strictly, acts only on the incident whose post
it was pressed on, and is checked by the use case; the refusals and outcomes are shown to
the presser alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.slack.delivery import SlackPoster
from bot.adapters.slack.members import GroupMembers
from bot.adapters.slack.notifier import post_ref, read_ref
from bot.adapters.slack.people import DisplayNames
from bot.bootstrap import App
from bot.slack.access import AccessPolicy
from bot.slack.blocks import section
from bot.slack.incident_view import (
    incident_message,
    read_cause_value,
    read_incident,
    read_page_value,
)
from bot.slack.mrkdwn import escape, mention
from bot.slack.seals import Sealer, thread_of
from bot.usecases.acknowledging import acknowledge
from bot.usecases.cause_feedback import answer_cause
from bot.usecases.paging_by_hand import Paged, PagingDesk, page_for_answer, page_for_incident
from topology.errors import DeliveryError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pressed:
    """One press of an incident button: who, where, on which message, carrying what."""

    user: str
    channel: str
    message_ts: str
    value: str
    respond: Callable[..., object]
    thread_ts: str = ""
    """The message's thread, as the payload gives it (its own ts when it heads one)."""


class IncidentButtons:
    """Handles presses of the incident buttons for one built `App`."""

    def __init__(
        self,
        app: App,
        poster: SlackPoster,
        members: GroupMembers,
        policy: AccessPolicy,
        *,
        paging: bool,
        wake: Callable[[], None] | None = None,
        names: DisplayNames | None = None,
    ) -> None:
        """`names`, when given, names the presser in the pages sent (else nobody is named)."""
        self._names = names
        self._app = app
        self._poster = poster
        self._members = members
        self._policy = policy
        self._paging = paging
        self._wake = wake

    def page(self, pressed: Pressed) -> None:
        """Page the owners the button names, when the presser may page from here."""
        members = self._members.of(self._policy.groups)
        verdict = self._policy.may_page(pressed.user, pressed.channel, members)
        if not verdict.allowed:
            self._tell(pressed, f"Sorry, {escape(verdict.reason)}. Nobody was paged.")
            return
        named = read_page_value(pressed.value)
        if named is None:
            self._tell(pressed, "That button carried nothing svcmap can page; nobody was paged.")
            return
        incident, service, seal = named
        if incident is not None and not self._on_its_post(pressed, incident):
            self._tell(pressed, "That button is not on this incident's post; nobody was paged.")
            return
        if incident is None and not self._sealed(pressed, service, seal):
            self._tell(
                pressed, "That button is not on an answer svcmap posted here; nobody was paged."
            )
            return
        by = self._names.of(pressed.user) if self._names is not None else None
        if incident is None:
            paged = page_for_answer(
                self._desk(), service, by=by, channel=pressed.channel, message=pressed.message_ts
            )
        else:
            paged = page_for_incident(self._desk(), incident, service, by=by)
        # Whoever the page names, svcmap's own log keeps who asked for it.
        log.info("Slack user %s pressed Page owners of %s: %s", pressed.user, service, paged.text)
        self._paged(pressed, paged)

    def acknowledge(self, pressed: Pressed) -> None:
        """Note the presser as acknowledging the incident, and show it on its post.

        Acknowledging stops PagerDuty's escalation, so it takes what paging takes.
        """
        members = self._members.of(self._policy.groups)
        verdict = self._policy.may_page(pressed.user, pressed.channel, members)
        if not verdict.allowed:
            self._tell(pressed, f"Sorry, {escape(verdict.reason)}. Nothing was acknowledged.")
            return
        incident = read_incident(pressed.value.strip())
        if incident is not None and not self._on_its_post(pressed, incident):
            self._tell(pressed, "That button is not on this incident's post; nothing was noted.")
            return
        done = (
            acknowledge(self._app.incidents, incident, user=pressed.user, now_s=self._app.now())
            if incident is not None
            else None
        )
        if done is None or done.incident is None:
            self._tell(pressed, "That incident is not in svcmap's incident log.")
            return
        if not done.first:
            who = mention(done.incident.acknowledged_by) or "someone else"
            self._tell(pressed, f"{who} acknowledged this incident already.")
            return
        if done.to_send and self._wake is not None:
            self._wake()  # the pages' acknowledgements, to the paging service
        where = read_ref(done.post.ref) if done.post and done.post.ref else None
        if where is not None:
            shown = incident_message(done.body, paging=self._paging)
            try:
                self._poster.update(*where, shown.blocks, shown.text)
            except DeliveryError as error:
                log.warning("could not show the acknowledgement on the post: %s", error)
        self._tell(pressed, f"You acknowledged incident {escape(done.incident.key)}.")

    def answer_cause(self, pressed: Pressed) -> None:
        """Note the presser's answer to "Was this the cause?"; anyone who may ask may answer."""
        members = self._members.of(self._policy.ask_groups)
        verdict = self._policy.may_ask(pressed.user, pressed.channel, members)
        if not verdict.allowed:
            self._tell(pressed, f"Sorry, {escape(verdict.reason)}. Nothing was noted.")
            return
        named = read_cause_value(pressed.value)
        if named is None:
            self._tell(pressed, "That button carried nothing svcmap can note.")
            return
        incident, answer, candidate = named
        message = post_ref(pressed.channel, pressed.message_ts)
        done = answer_cause(
            self._app.incidents,
            incident,
            candidate,
            answer,
            user=pressed.user,
            message=message,
            now_s=self._app.now(),
        )
        said = escape(done.text)
        self._tell(pressed, f"{said[:1].upper()}{said[1:]}.")

    def _desk(self) -> PagingDesk:
        """What paging by hand uses, now."""
        app = self._app
        return PagingDesk(app.incidents, app.catalog, app.settings.paging_mode, app.now())

    def _on_its_post(self, pressed: Pressed, incident: int) -> bool:
        """Whether the button was pressed on the post of incident `incident`, as it was sent."""
        post = self._app.incidents.post_of(incident)
        return post is not None and post.ref == post_ref(pressed.channel, pressed.message_ts)

    def _sealed(self, pressed: Pressed, service: str, seal: str) -> bool:
        """Whether an answer's button names `service` with the seal of the place it was pressed."""
        secret = self._app.settings.slack_signing_secret
        if secret is None or not seal:
            return False
        thread = thread_of(pressed.message_ts, pressed.thread_ts)
        return Sealer(secret.get_secret_value()).holds(seal, pressed.channel, thread, service)

    def _paged(self, pressed: Pressed, paged: Paged) -> None:
        if paged.to_send:
            if self._wake is not None:
                self._wake()
            note = f"{mention(pressed.user)} asked svcmap to page: {escape(paged.text)}."
            try:
                self._poster.post(
                    pressed.channel,
                    [section(note).to_dict()],
                    note,
                    thread_ts=pressed.message_ts or None,
                )
            except DeliveryError as error:
                log.warning("could not note the page in the thread: %s", error)
        said = escape(paged.text)
        self._tell(pressed, f"{said[:1].upper()}{said[1:]}.")

    def _tell(self, pressed: Pressed, text: str) -> None:
        try:
            pressed.respond(text=text, response_type="ephemeral", replace_original=False)
        except OSError as error:
            log.warning("could not answer the presser: %s", error)
