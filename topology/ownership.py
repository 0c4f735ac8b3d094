"""Who owns a service, how to reach that team, and what the service says it depends on."""

from __future__ import annotations

from dataclasses import dataclass, field

from topology.model import NodeKind


@dataclass(frozen=True, slots=True)
class Team:
    """A team that owns services: where to tell it, and how to page it."""

    name: str
    slack_channel: str | None = None
    pagerduty_routing_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach the owners about one service, where it differs from its team's."""

    slack_channel: str | None = None
    pagerduty_routing_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Service -> team, team -> contact details, and each service's declared dependencies.

    `depends_on` holds the services whose dependencies the catalog declares (an empty
    tuple declares none); a service missing from it declares nothing either way.
    `contacts` are per-service channels and keys that take precedence over the team's;
    `kinds` what the catalog says a service is, where it says.
    """

    owners: dict[str, str] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    depends_on: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    kinds: dict[str, NodeKind] = field(default_factory=dict)

    def team_of(self, service: str) -> Team | None:
        """The team owning `service`, reached as the service says, or None when unowned."""
        name = self.owners.get(service)
        if name is None:
            return None
        team = self.teams.get(name, Team(name))
        contact = self.contacts.get(service)
        if contact is None:
            return team
        return Team(
            name,
            contact.slack_channel or team.slack_channel,
            contact.pagerduty_routing_key or team.pagerduty_routing_key,
        )

    def owner_name(self, service: str) -> str | None:
        """The name of the team owning `service`, or None."""
        return self.owners.get(service)


def overlay(base: Catalog, top: Catalog) -> Catalog:
    """`top` laid over `base`, service by service and team by team.

    A service's owner and its declared dependencies come from `top` where `top` gives
    them, else from `base`; a service `top` gives an owner drops `base`'s per-service
    contact, so it is reached as `top`'s team is. A team `top` defines replaces
    `base`'s team of the same name.
    """
    contacts = {
        service: contact for service, contact in base.contacts.items() if service not in top.owners
    }
    return Catalog(
        owners={**base.owners, **top.owners},
        teams={**base.teams, **top.teams},
        depends_on={**base.depends_on, **top.depends_on},
        contacts={**contacts, **top.contacts},
        kinds={**base.kinds, **top.kinds},
    )
