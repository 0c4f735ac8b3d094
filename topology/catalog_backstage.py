"""The ownership catalog read from Backstage entities (Components and Resources).

A service is named by its entity's `metadata.name`, prefixed with its namespace
(``payments/charge``) when that is not ``default``. `spec.owner` names its team, with
the ``group:``/``user:`` kind and the default namespace dropped (``group:default/team-a``
is ``team-a``). `spec.dependsOn` holds entity references (``resource:artists-db``,
``component:default/wayback-archive``), read the same way; an entity without it declares
that it depends on nothing. A Component is a service; a Resource of type ``database`` or
``cache`` a database, of a queue-like type a queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from topology.model import NodeKind
from topology.ownership import Catalog, Contact, Team

DEFAULT_NAMESPACE = "default"
COMPONENT = "component"
RESOURCE = "resource"
KINDS = (COMPONENT, RESOURCE)
"""The entity kinds that become services, in the order a name clash is settled."""

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?")
"""A Backstage name or namespace: up to 63 letters, digits and ``-_.``, alphanumeric ends."""
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,62}")
_DATABASES = frozenset({"database", "db", "cache"})
_QUEUES = frozenset({"queue", "topic", "kafka-topic", "message-queue", "stream"})


@dataclass(frozen=True, slots=True)
class Entity:
    """What svcmap reads of one Component or Resource; `kind` is lower-case."""

    kind: str
    name: str
    namespace: str = DEFAULT_NAMESPACE
    type: str | None = None
    owner: str | None = None
    depends_on: tuple[str, ...] = ()
    slack_channel: str | None = None
    pagerduty_routing_key: str | None = field(default=None, repr=False)

    @property
    def ref(self) -> str:
        """The entity's full reference, ``kind:namespace/name``, for messages."""
        return f"{self.kind}:{self.namespace}/{self.name}"

    @property
    def service(self) -> str:
        """The service name: the entity's name, after its namespace unless default."""
        return qualified(self.namespace, self.name)


def is_name(text: str) -> bool:
    """Whether `text` is a valid Backstage entity name or namespace."""
    return _NAME.fullmatch(text) is not None


def qualified(namespace: str, name: str) -> str:
    """`name`, prefixed with `namespace/` unless the namespace is the default one."""
    return name if namespace.lower() == DEFAULT_NAMESPACE else f"{namespace}/{name}"


def ref_name(ref: str) -> str | None:
    """The name an entity reference (``[kind:][namespace/]name``) stands for, None if malformed."""
    text = ref.strip()
    kind, colon, rest = text.partition(":")
    if not colon:
        kind, rest = "", text
    elif not _KIND.fullmatch(kind):
        return None
    namespace, slash, name = rest.rpartition("/")
    if not slash:
        namespace = DEFAULT_NAMESPACE
    if not is_name(name) or not is_name(namespace):
        return None
    return qualified(namespace, name)


def kind_of(entity: Entity) -> NodeKind | None:
    """What the entity is on the map, when its kind and type tell."""
    if entity.kind == COMPONENT:
        return NodeKind.SERVICE
    kind = (entity.type or "").lower()
    if kind in _DATABASES:
        return NodeKind.DATABASE
    if kind in _QUEUES:
        return NodeKind.QUEUE
    return None


def catalog_of(entities: Iterable[Entity]) -> tuple[Catalog, list[str]]:
    """The catalog the entities describe, and why any of them was left out.

    Components come before Resources: of two entities that name the same service, the
    first is kept. A malformed owner or dependency reference is left out and noted.
    """
    owners: dict[str, str] = {}
    teams: dict[str, Team] = {}
    depends_on: dict[str, tuple[str, ...]] = {}
    contacts: dict[str, Contact] = {}
    kinds: dict[str, NodeKind] = {}
    notes: list[str] = []
    kept: dict[str, Entity] = {}
    for entity in sorted(entities, key=lambda e: KINDS.index(e.kind)):
        service = entity.service
        if service in kept:
            notes.append(f"{entity.ref}: left out: {kept[service].ref} has the same name")
            continue
        kept[service] = entity
        if entity.owner is not None:
            team = ref_name(entity.owner)
            if team is None:
                notes.append(f"{entity.ref}: spec.owner is not an entity reference")
            else:
                owners[service] = team
                teams.setdefault(team, Team(team))
        names = [ref_name(ref) for ref in entity.depends_on]
        if None in names:
            notes.append(f"{entity.ref}: spec.dependsOn holds a malformed entity reference")
        depends_on[service] = tuple(dict.fromkeys(name for name in names if name is not None))
        if entity.slack_channel or entity.pagerduty_routing_key:
            contacts[service] = Contact(entity.slack_channel, entity.pagerduty_routing_key)
        kind = kind_of(entity)
        if kind is not None:
            kinds[service] = kind
    catalog = Catalog(
        owners=owners, teams=teams, depends_on=depends_on, contacts=contacts, kinds=kinds
    )
    return catalog, notes
