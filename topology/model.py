"""Core types: the span every format is parsed into, and what linking produces."""

from __future__ import annotations

import enum
from dataclasses import dataclass

MAX_NAME_LENGTH = 200
"""Longer service names are cut to this many characters."""


class SpanKind(enum.Enum):
    """The role of a span in a remote call; local spans have no kind."""

    CLIENT = "client"
    SERVER = "server"
    PRODUCER = "producer"
    CONSUMER = "consumer"


class NodeKind(enum.Enum):
    """What a node on the map is, as far as the traces tell."""

    SERVICE = "service"
    DATABASE = "database"
    QUEUE = "queue"
    EXTERNAL = "external"


@dataclass(slots=True)
class Span:
    """One span, in the shape Zipkin's linker reasons about.

    Ids are normalised by the parser (lower-case hex, padded) so that spans of one
    trace from different documents compare equal. Times are epoch microseconds.
    `peer_kind` is a hint of what the remote side is (a database, a broker), used to
    draw virtual nodes. `local_address` is the reporting host's (ipv4, ipv6, port) when
    the format gives it: Zipkin tells servers sharing one span id apart by it.
    `inferred_peer` names the remote side of a client or producer span that names none,
    from its `db.*` or `messaging.system` attributes: a virtual node that Zipkin's
    linker (which reads only `remote_service`) would not draw.
    """

    trace_id: str
    span_id: str
    parent_id: str | None
    kind: SpanKind | None
    local_service: str | None
    remote_service: str | None
    start_us: int | None = None
    duration_us: int | None = None
    error: bool = False
    shared: bool = False
    peer_kind: NodeKind | None = None
    local_address: tuple[str | None, str | None, int | None] | None = None
    inferred_peer: str | None = None


KEY_SEP = "\x1f"
"""Separates the fields of a call key; the first field is always the trace id."""


def trace_of_key(key: str) -> str:
    """The trace id a `Call.key` or `Served.key` was made in."""
    return key.partition(KEY_SEP)[0]


@dataclass(slots=True)
class Call:
    """One call along an edge, as the linker found it in one trace.

    `key` identifies the span the call was derived from (trace id first, see
    `trace_of_key`), so that the same trace imported twice yields the same keys and
    is counted once. Durations are in
    microseconds: `server_us` as the callee measured it, `client_us` as the caller did.
    `*_kind` hint at what a side is (a database, a broker); `*_local` say that the
    side reported spans of its own, so it is an instrumented service, not a virtual peer.
    """

    parent: str
    child: str
    key: str
    start_us: int | None
    error: bool
    server_us: int | None = None
    client_us: int | None = None
    parent_kind: NodeKind | None = None
    child_kind: NodeKind | None = None
    parent_local: bool = False
    child_local: bool = False


@dataclass(slots=True)
class Served:
    """One request a service served (a server or consumer span), for its own health."""

    service: str
    key: str
    start_us: int | None
    error: bool
    duration_us: int | None
