"""The incidents the web view lists: a small read port, empty until incidents are stored."""

from __future__ import annotations

from typing import Protocol


class IncidentFeed(Protocol):
    """Reads the latest incident posts and pages, newest first."""

    def latest(self, limit: int) -> list[dict[str, object]]:
        """At most `limit` incidents: when, which service, what was posted and who was paged."""
        ...


class NoIncidents:
    """The feed of a build that stores no incidents: always empty."""

    def latest(self, limit: int) -> list[dict[str, object]]:  # noqa: ARG002 - nothing to cut
        """Nothing: no incident is stored by this build."""
        return []
