"""Who owns what, as the answers report it: never a paging key, only whether one exists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from topology.ownership import Catalog, Team
from topology.queries.jsonable import as_dict

UNOWNED = "unowned"
"""How a group of services without an owner is labelled."""


@dataclass(frozen=True, slots=True)
class TeamContact:
    """A team, where to tell it, and whether it can be paged."""

    name: str
    slack_channel: str | None
    pageable: bool

    @classmethod
    def of(cls, team: Team | None) -> TeamContact | None:
        """The contact of `team`, or None for no team."""
        if team is None:
            return None
        return cls(team.name, team.slack_channel, bool(team.pagerduty_routing_key))

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


def contact_of(catalog: Catalog, service: str) -> TeamContact | None:
    """The contact of the team owning `service`, or None when unowned."""
    return TeamContact.of(catalog.team_of(service))


def team_order(team: str | None) -> tuple[bool, str]:
    """Sort key for team names: by name, the unowned last."""
    return (team is None, team or "")


@dataclass(frozen=True, slots=True)
class TeamServices:
    """Services of one team (None: services nobody owns) concerned by an answer."""

    team: str | None
    slack_channel: str | None
    services: tuple[str, ...]

    @property
    def label(self) -> str:
        """The team name, or "unowned"."""
        return self.team or UNOWNED

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data, with the label."""
        return {**as_dict(self), "label": self.label}


def group_by_team(services: Iterable[str], catalog: Catalog) -> tuple[TeamServices, ...]:
    """`services` grouped by owning team, teams by name, the unowned last."""
    owner = catalog.owner_name
    return group_owned(((service, owner(service)) for service in services), catalog)


def group_owned(
    owned: Iterable[tuple[str, str | None]], catalog: Catalog
) -> tuple[TeamServices, ...]:
    """Services with their owning teams (None: unowned) grouped as `group_by_team` does."""
    groups: defaultdict[str | None, list[str]] = defaultdict(list)
    for service, team in owned:
        groups[team].append(service)
    return tuple(
        TeamServices(team, channel_of(catalog, team), tuple(sorted(groups[team])))
        for team in sorted(groups, key=team_order)
    )


def channel_of(catalog: Catalog, team: str | None) -> str | None:
    """The Slack channel of `team`, or None when it has none or is unknown."""
    found = catalog.teams.get(team) if team is not None else None
    return found.slack_channel if found else None
