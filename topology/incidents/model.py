"""Alerts as Alertmanager groups them, and the pages and notices an incident leads to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

RESOLVE_HOLD_S = 300
"""How long an incident's resolves are held by default: its alert firing again meanwhile
(a flap) fires the same incident again, so its owners are not paged anew."""


class AlertStatus(StrEnum):
    """Whether an alert (or a whole group) is firing or resolved."""

    FIRING = "firing"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """How bad it is, in the four words the paging service knows."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class PageAction(StrEnum):
    """What a page asks of the paging service."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class PagingMode(StrEnum):
    """Whether pages are sent (`on`), only recorded and logged (`dry-run`), or not decided."""

    OFF = "off"
    DRY_RUN = "dry-run"
    ON = "on"


class Outbox(StrEnum):
    """Which of an incident's sendings: the pages to the paging service, or the posts in chat."""

    PAGES = "pages"
    POSTS = "posts"


class SendState(StrEnum):
    """Where a recorded page or post is: to send, sent, given up on, or never to be sent."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DRY_RUN = "dry-run"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert of a group; times are Unix seconds, `ends_at` None while it fires."""

    status: AlertStatus
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: int
    ends_at: int | None
    generator_url: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class AlertGroup:
    """One webhook notification: the alerts Alertmanager grouped under `group_key`."""

    group_key: str
    status: AlertStatus
    receiver: str
    alerts: tuple[Alert, ...]
    group_labels: Mapping[str, str] = field(default_factory=dict)
    common_labels: Mapping[str, str] = field(default_factory=dict)
    common_annotations: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    truncated: int = 0

    @property
    def firing(self) -> tuple[Alert, ...]:
        """The alerts still firing."""
        return tuple(a for a in self.alerts if a.status is AlertStatus.FIRING)


@dataclass(frozen=True, slots=True)
class Link:
    """A link shown with a page: where it goes and what it says."""

    href: str
    text: str


@dataclass(frozen=True, slots=True)
class PageEvent:
    """One event for the paging service: trigger or resolve the alert `dedup_key` names."""

    action: PageAction
    routing_key: str = field(repr=False)
    dedup_key: str
    summary: str = ""
    source: str = ""
    severity: Severity = Severity.ERROR
    component: str | None = None
    group: str | None = None
    klass: str | None = None
    timestamp: str | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
