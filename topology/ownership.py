"""Who owns a service, and how to reach that team."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Team:
    """A team that owns services: where to tell it, and how to page it."""

    name: str
    slack_channel: str | None = None
    pagerduty_routing_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Service -> team, and team -> contact details."""

    owners: dict[str, str] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)

    def team_of(self, service: str) -> Team | None:
        """The team owning `service`, or None when the catalog does not say."""
        name = self.owners.get(service)
        if name is None:
            return None
        return self.teams.get(name, Team(name))

    def owner_name(self, service: str) -> str | None:
        """The name of the team owning `service`, or None."""
        return self.owners.get(service)
