"""The records of an import's hottest loops: a span read, a call linked, a request served.

They are made once per span, millions of times an import: msgspec structs, built in C
about six times faster than slotted dataclasses (0.2 against 1.2 µs for a `Call` on the
bench machine). They hold names, numbers and enums only, never a cycle, so the garbage
collector does not track them. Copy one with changes by `msgspec.structs.replace`.
"""

from __future__ import annotations

import msgspec

from topology.model import NodeKind, SpanKind


class Span(msgspec.Struct, gc=False, array_like=True):
    """One span, in the shape Zipkin's linker reasons about.

    Ids are normalised by the parser (lower-case hex, padded) so that spans of one
    trace from different documents compare equal. Times are epoch microseconds.
    `peer_kind` is a hint of what the remote side is (a database, a broker), used to
    draw virtual nodes. `local_address` is the reporting host's (ipv4, ipv6, port) when
    the format gives it: Zipkin tells servers sharing one span id apart by it.
    `inferred_peer` names the remote side of a client or producer span that names none,
    from its `db.*` or `messaging.system` attributes: a virtual node that Zipkin's
    linker (which reads only `remote_service`) would not draw.

    Encoded (by msgspec) as an array of its fields, not a map: spans parked on disk
    during an import (`trace_spill`) take a third of the room, and less time.
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


class Call(msgspec.Struct, gc=False):
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


class Served(msgspec.Struct, gc=False):
    """One request a service served (a server or consumer span), for its own health."""

    service: str
    key: str
    start_us: int | None
    error: bool
    duration_us: int | None
