"""Backstage: Components and Resources from the catalog API, a page at a time.

`GET /api/catalog/entities/by-query` answers `{"items": [...], "pageInfo":
{"nextCursor": ...}}`; the first request carries the filters (one `filter` parameter per
filter set, OR-ed; conditions inside one set are comma-separated and AND-ed), each next
one only the cursor, which Backstage reads instead of the filters. An entity that cannot
be read is left out and noted; an answer that is not a page at all fails the whole read,
as does a cursor given twice or more entities than `max_entities`.
"""

from __future__ import annotations

import re

import httpx
import msgspec

from bot.adapters.sources import fetch, wire
from bot.adapters.sources.ports import CatalogRead
from topology.catalog_backstage import KINDS, Entity, catalog_of, is_name
from topology.catalog_yaml import SLACK_CHANNEL
from topology.errors import SourceError

PATH = "/api/catalog/entities/by-query"
DEFAULT_FILTERS = ("kind=component", "kind=resource")
FIELDS = (
    "kind,metadata.name,metadata.namespace,metadata.annotations,spec.type,spec.owner,spec.dependsOn"
)
"""The parts of each entity svcmap reads; Backstage prunes the rest before sending."""

INTEGRATION_KEY = "pagerduty.com/integration-key"
SLACK_ANNOTATIONS = ("slack.com/channel", "slack.com/bot-notify")
"""Where a Slack channel is read from, in this order; the second is the annotation of
Backstage's own Slack notifications module, which may also name a user (then unused)."""

_BARE_CHANNEL = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")


class _PageInfo(wire.Struct):
    nextCursor: str | None = None  # noqa: N815 - the wire's name


class _Page(wire.Struct):
    items: list[msgspec.Raw]
    pageInfo: _PageInfo = msgspec.field(default_factory=_PageInfo)  # noqa: N815 - the wire's name


class _Kind(wire.Struct):
    kind: str


class _Metadata(wire.Struct):
    name: str
    namespace: str | None = None
    annotations: dict[str, str] = msgspec.field(default_factory=dict)


class _Spec(wire.Struct):
    type: str | None = None
    owner: str | None = None
    dependsOn: list[str] | None = None  # noqa: N815 - the wire's name


class _Entity(wire.Struct):
    kind: str
    metadata: _Metadata
    spec: _Spec = msgspec.field(default_factory=_Spec)


class Page(msgspec.Struct, frozen=True):
    """One page of entities: those read, why others were left out, and the next cursor."""

    entities: list[Entity]
    notes: list[str]
    next_cursor: str | None


def parse_page(data: bytes, *, source: str) -> Page:
    """The Components and Resources of one by-query answer; other kinds are skipped."""
    page = wire.decode(data, _Page, source=source)
    entities: list[Entity] = []
    notes: list[str] = []
    for index, raw in enumerate(page.items):
        try:
            kind = msgspec.json.decode(raw, type=_Kind).kind.lower()
            if kind not in KINDS:
                continue
            found = msgspec.json.decode(raw, type=_Entity)
        except msgspec.ValidationError as error:
            notes.append(f"items[{index}]: left out: {error}")
            continue
        entity = _entity(kind, found, notes, index)
        if entity is not None:
            entities.append(entity)
    return Page(entities, notes, page.pageInfo.nextCursor or None)


def _entity(kind: str, found: _Entity, notes: list[str], index: int) -> Entity | None:
    name, namespace = found.metadata.name, found.metadata.namespace or "default"
    if not is_name(name) or not is_name(namespace):
        notes.append(f"items[{index}]: left out: not a valid entity name or namespace")
        return None
    where = f"{kind}:{namespace}/{name}"
    annotations = found.metadata.annotations
    return Entity(
        kind=kind,
        name=name,
        namespace=namespace,
        type=found.spec.type,
        owner=found.spec.owner,
        depends_on=tuple(found.spec.dependsOn or ()),
        slack_channel=_channel(annotations, where, notes),
        pagerduty_routing_key=_routing_key(annotations, where, notes),
    )


def _channel(annotations: dict[str, str], where: str, notes: list[str]) -> str | None:
    for name in SLACK_ANNOTATIONS:
        value = annotations.get(name, "").strip()
        if not value:
            continue
        if SLACK_CHANNEL.fullmatch(value):
            return value
        if _BARE_CHANNEL.fullmatch(value):
            return f"#{value}"
        notes.append(f"{where}: annotation {name} is not a Slack channel; not used")
    return None


def _routing_key(annotations: dict[str, str], where: str, notes: list[str]) -> str | None:
    key = annotations.get(INTEGRATION_KEY)
    if not key:
        return None
    if key.strip() != key or len(key.split()) != 1:
        # The value is a secret: say what is wrong with it, never what it is.
        notes.append(f"{where}: annotation {INTEGRATION_KEY} is not one word; not used")
        return None
    return key


class BackstageCatalogSource:
    """Ownership and declared dependencies from a Backstage catalog, through the caller's client.

    `token`, when given, is sent as a bearer token and masked in every error it raises.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str | None = None,
        filters: tuple[str, ...] = DEFAULT_FILTERS,
        page_size: int = 200,
        max_entities: int = 100_000,
        name: str = "backstage",
    ) -> None:
        self.name = name
        self.filters = filters
        self.page_size = page_size
        self.max_entities = max_entities
        self._client = client
        self._token = token or None
        self._headers = {"Accept": "application/json"}
        if self._token:
            self._headers["Authorization"] = f"Bearer {self._token}"

    def read(self) -> CatalogRead:
        """Every entity the filters select, page after page, as a catalog."""
        try:
            entities, notes = self._entities()
        except SourceError as error:
            raise self._masked(error) from None
        catalog, more = catalog_of(entities)
        return CatalogRead(catalog, len(entities), tuple(notes + more))

    def _entities(self) -> tuple[list[Entity], list[str]]:
        entities: list[Entity] = []
        notes: list[str] = []
        params: list[tuple[str, str | int]] = [("filter", f) for f in self.filters]
        seen: set[str] = set()
        pages = 0
        while True:
            pages += 1
            where = f"{self.name}: GET {PATH} (page {pages})"
            page = parse_page(self._get([*params, ("limit", self.page_size)]), source=where)
            entities.extend(page.entities)
            notes.extend(page.notes)
            if len(entities) > self.max_entities:
                raise SourceError(f"{where}: more than {self.max_entities} entities; not read")
            cursor = page.next_cursor
            if cursor is None:
                return entities, notes
            if cursor in seen:
                raise SourceError(f"{where}: the next cursor was given before; paging stopped")
            seen.add(cursor)
            params = [("cursor", cursor)]

    def _get(self, params: list[tuple[str, str | int]]) -> bytes:
        query = httpx.QueryParams([*params, ("fields", FIELDS)])
        _, body = fetch.get(
            self._client, PATH, source=self.name, params=query, headers=self._headers
        )
        return body

    def _masked(self, error: SourceError) -> SourceError:
        if not self._token or self._token not in str(error):
            return error
        return SourceError(
            str(error).replace(self._token, "***"),
            status=error.status,
            retryable=error.retryable,
            retry_after_s=error.retry_after_s,
        )
