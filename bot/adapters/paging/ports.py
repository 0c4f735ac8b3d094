"""The ports a dispatcher sends through: a pager and a notifier, named for the role."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from topology.incidents.model import PageEvent
from topology.picture import Picture


class Pager(Protocol):
    """Pages a team: trigger and resolve events keyed by a dedup key."""

    def send(self, event: PageEvent) -> str:
        """Send `event`; return the dedup key the paging service keeps. Raises PagingError."""
        ...


@dataclass(frozen=True, slots=True)
class Posted:
    """Where a post went: the message's id in its channel, and a link to it if known."""

    ref: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A post to send: the incident post, a reply about new alerts, a word, or the all-clear.

    `body` is what the incident decided (incident key, services, ranked causes, who was
    paged and why, and its state now); `text` is the same rendered as plain text. `post`
    is the incident post already sent, which replies thread under and the all-clear
    edits; `picture` is the map around the incident, for the incident post. `previous`
    is where this notice was sent before (a summary reply, edited as it grows). `key` tells
    it from every other notice (its incident's key and its row), and is carried with the
    message so that a post whose answer was lost can be found again.
    """

    kind: str
    channel: str
    incident_id: int
    text: str
    body: Mapping[str, object] = field(default_factory=dict)
    post: Posted | None = None
    picture: Picture | None = None
    previous: Posted | None = None
    key: str = ""


class Notifier(Protocol):
    """Posts incident notices in chat channels (the Slack app implements it)."""

    def post(self, notice: Notice) -> Posted:
        """Post `notice` in its channel. Raises NoticeError."""
        ...

    def find(self, notice: Notice, *, since_s: int) -> Posted | None:
        """Where `notice` was posted since `since_s`, if it was (a send whose answer was lost).

        Raises NoticeError, retryable when asking again later may work.
        """
        ...
