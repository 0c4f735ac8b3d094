"""What the incident tables hold, as the rest of svcmap reads and writes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

PENDING, SENT, FAILED, DRY_RUN = "pending", "sent", "failed", "dry-run"
INCIDENT_POST, UPDATE, RESOLVED, CAUSE = "incident", "update", "resolved", "cause"
"""Kinds of posts threaded on the incident post: the post, a reply about new alerts, the end,
and a reply that the ranking is now sure of a cause whose owners it pages."""
MANUAL = "slack"
"""The receiver of incidents opened by a person paging from Slack, not by an alert."""
UPDATE_ALERTS = 10
"""New alerts named in one thread reply; the rest are counted."""


class Outcome(StrEnum):
    """What recording one notification did."""

    OPENED = "opened"
    JOINED = "joined"
    UPDATED = "updated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    STALE = "stale"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert of an incident, as stored."""

    fingerprint: str
    starts_at: int
    status: str
    ends_at: int | None
    alertname: str | None
    service: str | None
    summary: str | None
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class PageRow:
    """A page to record: `body` is the event without its routing key."""

    service: str
    action: str
    team: str
    dedup_key: str
    state: str
    body: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """A Slack post to record; `key` tells apart posts of one kind in one channel."""

    channel: str
    kind: str
    team: str | None
    state: str
    body: Mapping[str, object]
    key: str = ""


@dataclass(frozen=True, slots=True)
class SurePage:
    """A page to the owners of a cause the ranking became sure of after its incident opened.

    `reply` is the body of the reply saying so in the incident post's thread;
    `paged_first` the team the incident had paged when it was decided (None: none).
    """

    page: PageRow
    reply: Mapping[str, object]
    paged_first: str | None


@dataclass(frozen=True, slots=True)
class Opening:
    """Everything an incident's first notification records, in one transaction."""

    key: str
    group_hash: str
    group_key: str
    receiver: str
    symptom: str | None
    cause: str | None
    severity: str
    title: str
    merged_into: int | None = None
    paged_team: str | None = None
    note: str | None = None
    snapshot: bytes | None = None
    pages: tuple[PageRow, ...] = ()
    notices: tuple[NoticeRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording a notification did, and to which incident."""

    outcome: Outcome
    incident_id: int | None = None
    key: str | None = None
    to_send: int = 0


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One incident, as `svcmap incidents` lists it."""

    id: int
    key: str
    status: str
    symptom: str | None
    cause: str | None
    severity: str
    title: str
    opened_at: int
    resolved_at: int | None
    merged_into: int | None
    paged_team: str | None
    note: str | None
    receiver: str
    alerts: int = 0
    has_snapshot: bool = False
    acknowledged_by: str | None = None
    acknowledged_at: int | None = None


@dataclass(frozen=True, slots=True)
class Sending:
    """A recorded page or post: its state, tries, and what it is."""

    id: int
    incident_id: int
    kind: str
    """The page's action, or the post's kind."""
    target: str
    """The paged service, or the channel posted to."""
    team: str | None
    state: str
    attempts: int
    created_at: int
    sent_at: int | None
    last_error: str | None
    body: Mapping[str, object] = field(default_factory=dict)
    dedup_key: str | None = None
    url: str | None = None
    ref: str | None = None
    """Where a sent post is, as the notifier that sent it wrote it."""
    claimed_by: str | None = None
    """Who claimed it to send it last, while no outcome is recorded: its send may have happened."""
    not_before: int | None = None
    """When it may be sent, if not at once: a retry's backoff, a resolve's hold."""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data (the body left out)."""
        return {
            "id": self.id,
            "incident": self.incident_id,
            "kind": self.kind,
            "target": self.target,
            "team": self.team,
            "state": self.state,
            "attempts": self.attempts,
            "created_at": self.created_at,
            "sent_at": self.sent_at,
            "not_before": self.not_before,
            "last_error": self.last_error,
            "dedup_key": self.dedup_key,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The incident after an acknowledgement, and how many pages it added to send."""

    incident: IncidentRecord | None
    pages_to_send: int = 0


def teams_by_incident(rows: Iterable[Sequence[Any]]) -> dict[int, list[str]]:
    """Per incident, the teams of its (incident, team) `rows` in their order, each once."""
    teams: dict[int, list[str]] = {}
    for incident_id, team in rows:
        paged = teams.setdefault(incident_id, [])
        if team not in paged:
            paged.append(team)
    return teams
