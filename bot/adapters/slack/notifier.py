"""`SlackNotifier`: the incident's posts in Slack, through the app's `SlackPoster`.

The incident post goes to its channel with its picture in the thread; one reply about
new alerts threads under it, edited as more arrive; a reply says when the ranking became
sure of a cause whose owners it pages; the all-clear edits the post and says so in the
thread; an upstream team gets a short word in its channel. Once a message is
posted nothing after it raises, so a retry never posts it twice. Each message posted
carries the notice's key as Slack message metadata (`marker`), by which `find` tells
whether a post whose answer was lost reached the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.adapters.paging.ports import Notice, Posted
from bot.adapters.slack.delivery import SlackPoster
from bot.slack.incident_view import (
    Message,
    cause_message,
    incident_message,
    resolved_message,
    update_message,
    upstream_message,
)
from topology.errors import DeliveryError, NoticeError, SvcmapError
from topology.picture import Picture, omitted_note

log = logging.getLogger(__name__)

TITLE_LIMIT = 200
EVENT_TYPE = "svcmap_notice"
"""The `event_type` of the metadata on svcmap's posts."""


def post_ref(channel_id: str, ts: str) -> str:
    """The stored reference of a message: its channel's ID and its `ts`."""
    return f"{channel_id}:{ts}"


def read_ref(ref: str) -> tuple[str, str] | None:
    """The channel ID and `ts` of a stored reference, or None when it is not one."""
    channel, _, ts = ref.partition(":")
    return (channel, ts) if channel and ts else None


def marker(notice: Notice) -> dict[str, object] | None:
    """The Slack message metadata a post of `notice` carries; None when it has no key."""
    if not notice.key:
        return None
    return {"event_type": EVENT_TYPE, "event_payload": {"notice": notice.key}}


def archive_url(channel_id: str, ts: str) -> str:
    """A link to a message built from its ts, which Slack redirects into the workspace."""
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


class SlackNotifier:
    """A `Notifier` posting in Slack.

    `draw` renders a picture to PNG; `paging` shows page buttons on the incident post.
    """

    def __init__(
        self, poster: SlackPoster, *, draw: Callable[[Picture], bytes], paging: bool
    ) -> None:
        self._poster = poster
        self._draw = draw
        self._paging = paging

    def post(self, notice: Notice) -> Posted:
        """Post `notice` as its kind says. Raises NoticeError, retryable when it may pass."""
        try:
            if notice.kind == "incident":
                return self._incident(notice)
            if notice.kind == "resolved":
                return self._resolved(notice)
            if notice.kind == "update":
                return self._summary(notice)
            if notice.kind == "cause":
                return self._reply(notice, cause_message(notice.body))
            url = notice.post.url if notice.post else None
            return self._reply(notice, upstream_message(notice.body, url), threaded=False)
        except DeliveryError as error:
            raise NoticeError(str(error), status=error.status, retryable=error.retryable) from None

    def find(self, notice: Notice, *, since_s: int) -> Posted | None:
        """Where `notice`'s message is, when one carrying its marker was posted since `since_s`.

        Looked for in the incident post's thread for a reply, in its channel otherwise.
        None for a notice without a key, or one that edits a message (sent again, the edit
        changes nothing). Raises NoticeError, retryable when it may pass.
        """
        mark = marker(notice)
        if mark is None or (notice.kind == "update" and notice.previous is not None):
            return None
        threaded = notice.kind in ("update", "resolved", "cause")
        where = read_ref(notice.post.ref) if notice.post and threaded else None
        channel, thread = where if where is not None else (notice.channel, None)
        try:
            found = self._poster.find_marked(channel, mark, since_s=since_s, thread_ts=thread)
        except DeliveryError as error:
            raise NoticeError(str(error), status=error.status, retryable=error.retryable) from None
        if found is None:
            return None
        url = self._link(notice, *found) if notice.kind == "incident" else archive_url(*found)
        return Posted(post_ref(*found), url)

    def _link(self, notice: Notice, channel: str, ts: str) -> str:
        """The permalink of message `ts`, or its archive link when Slack gives none."""
        try:
            return self._poster.permalink(channel, ts) or archive_url(channel, ts)
        except DeliveryError as error:
            log.warning("no permalink of incident %d's post: %s", notice.incident_id, error)
            return archive_url(channel, ts)

    def _incident(self, notice: Notice) -> Posted:
        message = incident_message(notice.body, paging=self._paging)
        channel, ts = self._poster.post_in(
            notice.channel, message.blocks, message.text, metadata=marker(notice)
        )
        url = self._link(notice, channel, ts)
        if notice.picture is not None:
            self._share(notice, notice.picture, channel, ts)
        return Posted(post_ref(channel, ts), url)

    def _share(self, notice: Notice, picture: Picture, channel: str, ts: str) -> None:
        """Upload the incident's picture in its thread; a failure is logged, not raised."""
        symptom = notice.body.get("symptom")
        try:
            png = self._draw(picture)
            self._poster.upload(
                channel,
                png,
                filename=f"svcmap-incident-{notice.incident_id}.png",
                title=f"Around {symptom} when the incident opened"[:TITLE_LIMIT],
                alt_text=omitted_note(picture.omitted) or f"map around {symptom}",
                thread_ts=ts,
            )
        except SvcmapError as error:
            log.warning("no picture for incident %d: %s", notice.incident_id, error)

    def _resolved(self, notice: Notice) -> Posted:
        where = read_ref(notice.post.ref) if notice.post else None
        if where is not None:
            edited = incident_message(notice.body, paging=self._paging)
            try:
                self._poster.update(*where, edited.blocks, edited.text)
            except DeliveryError as error:
                if error.retryable:
                    raise
                log.warning("could not edit incident %d's post: %s", notice.incident_id, error)
        return self._reply(notice, resolved_message(notice.body))

    def _summary(self, notice: Notice) -> Posted:
        """Reply with the alerts new to the incident, or edit that reply once it was posted."""
        message = update_message(notice.body)
        where = read_ref(notice.previous.ref) if notice.previous else None
        if notice.previous is None or where is None:
            return self._reply(notice, message)
        self._poster.update(*where, message.blocks, message.text)
        return notice.previous

    def _reply(self, notice: Notice, message: Message, *, threaded: bool = True) -> Posted:
        """Post in the incident post's thread when there is one (and `threaded`), else alone."""
        where = read_ref(notice.post.ref) if notice.post and threaded else None
        channel, thread = where if where is not None else (notice.channel, None)
        posted_in, ts = self._poster.post_in(
            channel, message.blocks, message.text, thread_ts=thread, metadata=marker(notice)
        )
        return Posted(post_ref(posted_in, ts), archive_url(posted_in, ts))
