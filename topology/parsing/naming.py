"""Service names as the map shows them, and what a span says about its remote side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from topology.model import MAX_NAME_LENGTH, NodeKind, SpanKind
from topology.parsing.decoding import Scalar

PEER_SERVICE = "peer.service"
_DB = "db."
_MESSAGING_PREFIX = "messaging."
_DB_NAMES = ("db.name", "db.namespace")
_DB_SYSTEMS = ("db.system", "db.system.name")
_MESSAGING_SYSTEM = "messaging.system"
_CALLERS = (SpanKind.CLIENT, SpanKind.PRODUCER)
_MESSAGING = (SpanKind.PRODUCER, SpanKind.CONSUMER)

WANTED_PREFIXES = ("span.kind", PEER_SERVICE, "error", "otel.status_code", _DB, _MESSAGING_PREFIX)
"""Tags and attributes worth decoding start with one of these; the rest are skipped."""

_SPAN_KINDS = {kind.value: kind for kind in SpanKind}


def clean_name(name: str) -> str | None:
    """A service name stripped of surrounding blanks and cut to length; None when empty."""
    name = name.strip()
    if "\x00" in name:  # text columns in Postgres cannot hold NUL
        name = name.replace("\x00", "").strip()
    if len(name) > MAX_NAME_LENGTH:
        name = name[:MAX_NAME_LENGTH].rstrip()
    return name or None


class NameCache:
    """Cleans each distinct name once: a document repeats a few names a million times."""

    def __init__(self, *, lower: bool = False) -> None:
        self._known: dict[str, str | None] = {}
        self._lower = lower

    def __call__(self, name: str | None) -> str | None:
        """The cleaned name (lower-cased first if asked), or None."""
        if name is None:
            return None
        known = self._known
        if name not in known:
            known[name] = clean_name(name.lower() if self._lower else name)
        return known[name]


def text(value: Scalar) -> str | None:
    """An attribute value as a name: strings and numbers, cleaned; anything else is None."""
    if isinstance(value, str):
        return clean_name(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def span_kind(value: Scalar) -> SpanKind | None:
    """The kind named by a `span.kind` tag or Zipkin `kind`, in any case; None otherwise."""
    return _SPAN_KINDS.get(value.lower()) if isinstance(value, str) else None


def is_true(value: Scalar) -> bool:
    """Whether a tag value means true: the boolean, or the string "true" in any case."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


@dataclass(frozen=True, slots=True)
class RemoteSide:
    """Who a span talks to: the name it gives, a hint of what that is, and a name inferred."""

    service: str | None = None
    kind: NodeKind | None = None
    inferred: str | None = None


NOBODY = RemoteSide()


def remote_side(
    kind: SpanKind | None, named: str | None, attrs: Mapping[str, Scalar]
) -> RemoteSide:
    """What a span says about its remote side.

    `named` is the name the span gives (`peer.service`, Zipkin's remote endpoint). Without
    one, a client or producer span with database or messaging attributes names a virtual
    peer, and a consumer span its broker; the name is kept apart in `inferred`: Zipkin's
    linker would not draw it.
    """
    if named is None and kind not in _CALLERS and kind is not SpanKind.CONSUMER:
        return NOBODY
    is_database = is_queue = False
    for key in attrs:
        is_database = is_database or key.startswith(_DB)
        is_queue = is_queue or key.startswith(_MESSAGING_PREFIX)
    if named is not None:
        is_queue = is_queue or kind in _MESSAGING
        hint = NodeKind.DATABASE if is_database else NodeKind.QUEUE if is_queue else None
        return RemoteSide(named, hint)
    if not (is_database or is_queue):
        return NOBODY
    database = _first_text(attrs, _DB_NAMES) or _first_text(attrs, _DB_SYSTEMS)
    if database is not None and kind is not SpanKind.CONSUMER:
        return RemoteSide(None, NodeKind.DATABASE, database)
    broker = text(attrs.get(_MESSAGING_SYSTEM))
    if broker is not None:
        return RemoteSide(None, NodeKind.QUEUE, broker)
    return NOBODY


def _first_text(attrs: Mapping[str, Scalar], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        name = text(attrs.get(key))
        if name is not None:
            return name
    return None
