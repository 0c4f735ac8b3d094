"""The incidents the web view lists: a small read port, and its reading of the store."""

from __future__ import annotations

from typing import Protocol

from bot.adapters.store.incidents import IncidentLog
from topology.incidents.model import Outbox
from topology.timespec import format_time


class IncidentFeed(Protocol):
    """Reads the latest incident posts and pages, newest first."""

    def latest(self, limit: int) -> list[dict[str, object]]:
        """At most `limit` incidents: when, which service, what was posted and who was paged."""
        ...


class StoredIncidents:
    """The incidents recorded by the alert webhook, with what was paged and posted."""

    def __init__(self, log: IncidentLog) -> None:
        self._log = log

    def latest(self, limit: int) -> list[dict[str, object]]:
        """At most `limit` incidents, newest first, each with its pages and posts."""
        found: list[dict[str, object]] = []
        for incident in self._log.incidents(limit):
            sent = self._log.sendings(Outbox.PAGES, incident_id=incident.id)
            posted = self._log.sendings(Outbox.POSTS, incident_id=incident.id)
            paged = [f"{page.kind} {page.target} ({page.state})" for page in sent]
            summary = [incident.title, incident.status]
            if incident.cause:
                summary.append(f"likely cause {incident.cause}")
            if paged or incident.merged_into is None:
                summary.append("paged: " + (", ".join(paged) if paged else "nobody"))
            else:  # its alert went with the incident it joined, which pages
                summary.append(f"grouped into incident {incident.merged_into}")
            found.append(
                {
                    "id": incident.id,
                    "at": format_time(incident.opened_at),
                    "service": incident.symptom,
                    "summary": "; ".join(summary),
                    "pages": [page.to_dict() for page in sent],
                    "posts": [post.to_dict() for post in posted],
                }
            )
        return found
