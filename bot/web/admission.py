"""Who is at the web view, and whether they may enter: the same allow rules as Slack's (pure)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.slack.access import Verdict

SLACK_ISSUER = "https://slack.com"
SLACK_USER_CLAIM = "https://slack.com/user_id"
SLACK_TEAM_CLAIM = "https://slack.com/team_id"
NAME_CHARS = 200
"""Characters of a name or e-mail address kept: no real one needs more."""
GROUPS_KEPT = 200

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as the identity provider or the auth proxy vouches for them."""

    subject: str
    email: str = ""
    groups: frozenset[str] = frozenset()
    slack_user: str = ""
    slack_team: str = ""


@dataclass(frozen=True, slots=True)
class Rules:
    """Who may enter; each rule that is set must be passed.

    `emails` holds addresses and `@domain`s; `groups` values of the groups claim;
    `slack_workspace` and `slack_groups` (user group IDs, as `SVCMAP_SLACK_ALLOWED_GROUPS`)
    are set for Slack sign-ins only (`for_source`).
    """

    emails: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    slack_workspace: str = ""
    slack_groups: frozenset[str] = frozenset()


def for_source(rules: Rules, *, slack: bool) -> Rules:
    """The rules for a sign-in through Slack (all) or through anything else (no Slack ones)."""
    return rules if slack else Rules(emails=rules.emails, groups=rules.groups)


def admit(who: Identity, rules: Rules, members: Mapping[str, frozenset[str]]) -> Verdict:
    """Whether `who` may use the web view; `members` maps Slack user group to its users."""
    if rules.slack_workspace and who.slack_team != rules.slack_workspace:
        return Verdict(False, "svcmap lets in only members of its Slack workspace")
    if rules.slack_groups and not any(
        who.slack_user and who.slack_user in members.get(group, frozenset())
        for group in rules.slack_groups
    ):
        return Verdict(False, "svcmap lets in only members of the Slack user groups it allows")
    if rules.emails and not _email_allowed(who.email, rules.emails):
        return Verdict(False, "svcmap lets in only the e-mail addresses it allows")
    if rules.groups and not who.groups & rules.groups:
        return Verdict(False, "svcmap lets in only members of the groups it allows")
    return Verdict(True)


def _email_allowed(email: str, allowed: frozenset[str]) -> bool:
    if not email:
        return False
    domain = "@" + email.rpartition("@")[2]
    return email in allowed or domain in allowed


def identity_from_claims(claims: Mapping[str, object], groups_claim: str) -> Identity | None:
    """The person an ID token names; None without a subject.

    An e-mail address counts only when the token says it is verified (Slack's does).
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        return None
    email = claims.get("email")
    verified = claims.get("email_verified") is True
    groups = claims.get(groups_claim)
    listed = groups if isinstance(groups, list) else []
    return Identity(
        subject=subject[:NAME_CHARS],
        email=email.lower()[:NAME_CHARS] if isinstance(email, str) and verified else "",
        groups=frozenset(str(group)[:NAME_CHARS] for group in listed[:GROUPS_KEPT]),
        slack_user=_text(claims.get(SLACK_USER_CLAIM)),
        slack_team=_text(claims.get(SLACK_TEAM_CLAIM)),
    )


def _text(value: object) -> str:
    return value[:NAME_CHARS] if isinstance(value, str) else ""


def from_trusted_proxy(client: str | None, proxies: Sequence[Network]) -> bool:
    """Whether the connection's peer address is one of the trusted proxies'."""
    if not client or not proxies:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in proxies)


def identity_from_proxy(user: str | None, email: str | None) -> Identity | None:
    """The person an auth proxy's headers name; None without a user."""
    name = (user or "").strip()
    if not name or len(name) > NAME_CHARS or not name.isprintable():
        return None
    mail = (email or "").strip().lower()
    return Identity(subject=name, email=mail if len(mail) <= NAME_CHARS else "")


def networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """The trusted proxies' networks, from entries the settings have checked."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
