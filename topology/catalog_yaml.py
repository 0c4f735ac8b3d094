"""The ownership catalog read from a YAML file.

The format::

    teams:
      payments:
        slack_channel: "#payments-oncall"        # a channel name, or a channel id (C0123ABCD)
        pagerduty_routing_key: "R0123..."        # PagerDuty Events API v2 integration key
      web:
        slack_channel: "#web"
    services:
      payment: payments                          # service: team
      checkout:                                  # or the team and what the service calls
        team: web
        depends_on: [payment, cart]

Both sections are optional, and so is each detail of a team (``web: {}`` is a team that
can be neither told nor paged) and of a service given as a mapping (without ``team`` it is
unowned; ``depends_on: []`` declares that it calls nothing, while a service without
``depends_on`` declares nothing either way). Every team named under ``services`` must be
defined under ``teams``. Unknown keys are rejected, and an empty file is an empty
catalog. Names that YAML reads as something else (``on``, ``no``, ``404``) must be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NoReturn

import yaml

from topology.errors import CatalogError
from topology.ownership import Catalog, Team

SECTIONS = frozenset({"teams", "services"})
TEAM_DETAILS = frozenset({"slack_channel", "pagerduty_routing_key"})
SERVICE_DETAILS = frozenset({"team", "depends_on"})
SLACK_CHANNEL = re.compile(r"#[^\s#@,]{1,80}|[CG][A-Z0-9]{6,}")
"""A channel name (``#name``) or a public or private channel id (``C...``, ``G...``)."""
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader, a tenth of the pure-Python one's time, where PyYAML was built with it."""


def load_catalog(text: str, *, source: str) -> Catalog:
    """Read a catalog; `source` names the file in error messages."""
    try:
        document = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CatalogError(f"{source}: not valid YAML{where}") from error
    if document is None:
        return Catalog()
    top = _mapping(document, source, "", SECTIONS)
    teams = {
        name: _team(name, details, source)
        for name, details in _mapping(top.get("teams"), source, "teams").items()
    }
    owners: dict[str, str] = {}
    depends_on: dict[str, tuple[str, ...]] = {}
    for service, entry in _mapping(top.get("services"), source, "services").items():
        path = f"services.{service}"
        team: object = entry
        if isinstance(entry, dict):
            details = _mapping(entry, source, path, SERVICE_DETAILS)
            if "depends_on" in details:
                depends_on[service] = _names(details["depends_on"], source, f"{path}.depends_on")
            if "team" not in details:
                continue
            team, path = details["team"], f"{path}.team"
        if not isinstance(team, str) or not team:
            _fail(source, path, f"expected a team name, got {_type(team)}")
        if team not in teams:
            _fail(source, path, f"team {team!r} is not defined under teams")
        owners[service] = team
    return Catalog(owners=owners, teams=teams, depends_on=depends_on)


def _names(value: object, source: str, path: str) -> tuple[str, ...]:
    """A list of service names, in order, each once."""
    if value is None:
        return ()
    if not isinstance(value, list):
        _fail(source, path, f"expected a list of service names, got {_type(value)}")
    for index, name in enumerate(value):
        if not isinstance(name, str) or not name.strip():
            _fail(source, f"{path}[{index}]", f"expected a service name, got {_type(name)}")
    return tuple(dict.fromkeys(name.strip() for name in value))


def _team(name: str, details: object, source: str) -> Team:
    path = f"teams.{name}"
    found = _mapping(details, source, path, TEAM_DETAILS)
    return Team(
        name,
        _channel(found, source, f"{path}.slack_channel"),
        _routing_key(found, source, f"{path}.pagerduty_routing_key"),
    )


def _channel(found: dict[str, object], source: str, path: str) -> str | None:
    if "slack_channel" not in found:
        return None
    channel = found["slack_channel"]
    if channel is None:
        _fail(source, path, 'empty; quote the channel ("#team"): a bare # starts a YAML comment')
    if not isinstance(channel, str) or not SLACK_CHANNEL.fullmatch(channel):
        _fail(source, path, f"expected a channel like '#team' or a channel id, got {channel!r}")
    return channel


def _routing_key(found: dict[str, object], source: str, path: str) -> str | None:
    if "pagerduty_routing_key" not in found:
        return None
    key = found["pagerduty_routing_key"]
    if key is None or key == "":
        return None  # left blank on purpose: the team is not paged
    if not isinstance(key, str) or not key or key.strip() != key:
        # The value is a secret: say what is wrong with it, never what it is.
        _fail(source, path, "expected the integration key as one word of text")
    return key


def _mapping(
    value: object, source: str, path: str, allowed: Collection[str] | None = None
) -> dict[str, object]:
    """`value` as a mapping from names, None as an empty one; unknown keys are errors."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        _fail(source, path, f"expected a mapping, got {_type(value)}")
    for key in value:
        if not isinstance(key, str) or not key:
            _fail(source, path, f"expected names as keys, got {key!r} (quote it)")
        if allowed is not None and key not in allowed:
            expected = ", ".join(sorted(allowed))
            _fail(source, _join(path, key), f"unknown key (expected one of: {expected})")
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def _fail(source: str, path: str, problem: str) -> NoReturn:
    raise CatalogError(f"{source}: {path}: {problem}" if path else f"{source}: {problem}")
