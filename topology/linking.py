"""Spans into calls along edges, by the rules of Zipkin's DependencyLinker.

Only server spans make links, except at the bottom of the tree: a client span
without children stands for an uninstrumented peer. A span without kind but with
both sides named is a client. Messaging spans link only to their broker. A server's
caller is the service of its nearest remote ancestor. An error is the span's own
error, or for a server split from its client, the client's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter, eq

from msgspec import structs

from topology.gcpause import paused_gc
from topology.model import KEY_SEP, Call, NodeKind, Served, Span, SpanKind
from topology.row_links import ROW_OF, link_rows
from topology.trace_tree import placed

_SEP = KEY_SEP


@dataclass(slots=True)
class Linked:
    """What linking a batch of spans found."""

    calls: list[Call] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)
    traces: int = 0


def group_by_trace(spans: Iterable[Span]) -> dict[str, list[Span]]:
    """Spans grouped by trace id, in first-seen order."""
    traces: dict[str, list[Span]] = {}
    for trace_id, run in groupby(spans, key=_trace_id):  # a trace's spans mostly come together
        known = traces.get(trace_id)
        if known is None:
            traces[trace_id] = list(run)
        else:
            known.extend(run)
    return traces


def link(spans: Iterable[Span]) -> Linked:
    """Link every trace found among `spans`."""
    linked = Linked()
    with paused_gc():
        for trace in group_by_trace(spans).values():
            link_trace(trace, linked)
            linked.traces += 1
    return linked


_trace_id = attrgetter("trace_id")
_span_id = attrgetter("span_id")
_parent_id = attrgetter("parent_id")
_shared = attrgetter("shared")
_address = attrgetter("local_address")


def link_trace(spans: Sequence[Span], into: Linked) -> None:
    """Link the spans of one trace, appending what was found to `into`."""
    if spans and not _linked_as_rows(spans, into):
        link_placed(spans, into)


def _linked_as_rows(spans: Sequence[Span], into: Linked) -> bool:
    """Link a tree of distinct spans, none shared, addressed or its own parent, as rows.

    Such a trace links as `link_placed` links it, a third sooner (`row_links`). False,
    linking nothing, for any other.
    """
    span_ids = set(map(_span_id, spans))
    if (
        len(span_ids) < len(spans)
        or any(map(_shared, spans))
        or any(map(_address, spans))
        or any(map(eq, map(_span_id, spans), map(_parent_id, spans)))
    ):
        return False
    link_rows(spans[0].trace_id, list(map(ROW_OF, spans)), span_ids, into.calls, into.served)
    return True


def link_placed(spans: Sequence[Span], into: Linked) -> None:
    """Link the spans of one trace as `trace_tree` places them, whatever they hold."""
    served, calls = into.served, into.calls
    for span, parent, ancestor, has_children, is_root in placed(spans):
        kind = span.kind
        if (kind is SpanKind.SERVER or kind is SpanKind.CONSUMER) and span.local_service:
            served.append(
                Served(
                    span.local_service, _key(span, "s"), span.start_us, span.error, span.duration_us
                )
            )
        if kind is SpanKind.CLIENT and has_children:
            continue  # the server below names the callee better than the client did
        _link_span(span, parent, ancestor, calls, is_root=is_root)


def _key(span: Span, role: str) -> str:
    # Spans sharing an id (a B3 server and its client, or a buggy tracer reusing ids
    # across services) are told apart by endpoint, as in the tree.
    side = f"s{span.local_service or ''}" if span.shared else span.local_service or ""
    if span.local_address is not None:
        side = f"{side}{span.local_address}"
    return f"{span.trace_id}{_SEP}{span.span_id}{_SEP}{side}{_SEP}{role}"


def _sides(span: Span, *, is_root: bool) -> tuple[SpanKind, str | None, str | None] | None:
    """The span's effective kind and its (parent, child) names, or None if it links nothing."""
    kind = span.kind
    service, remote = span.local_service, span.remote_service
    if kind is None:
        if service is None or remote is None:
            return None
        kind = SpanKind.CLIENT
    if kind is SpanKind.SERVER or kind is SpanKind.CONSUMER:
        if is_root and remote is None:
            return None
        return kind, remote, service
    return kind, service, remote


def _link_span(
    span: Span,
    tree_parent: Span | None,
    ancestor: Span | None,
    into: list[Call],
    *,
    is_root: bool,
) -> None:
    """Append the calls `span` stands for; `ancestor` is its nearest ancestor with a kind."""
    sides = _sides(span, is_root=is_root)
    if sides is None:
        return
    kind, parent, child = sides
    if kind is SpanKind.PRODUCER or kind is SpanKind.CONSUMER:
        if parent is not None and child is not None:
            into.append(_messaging_call(span, kind, parent, child))
        return

    error = span.error
    client: Span | None = None
    if ancestor is not None and ancestor.local_service is not None:
        ancestor_name = ancestor.local_service
        service = span.local_service
        if kind is SpanKind.CLIENT and service is not None and ancestor_name != service:
            # The client span carries its caller's name: backfill the hop it skipped.
            into.append(
                Call(
                    ancestor_name,
                    service,
                    _key(span, "b"),
                    span.start_us,
                    False,
                    None,
                    None,
                    None,
                    None,
                    True,
                    True,
                )
            )
        if kind is SpanKind.SERVER or parent is None:
            parent = ancestor_name
        if ancestor.kind is SpanKind.CLIENT and ancestor.span_id == span.parent_id:
            error = error or ancestor.error
        if (
            kind is SpanKind.SERVER
            and ancestor.kind is SpanKind.CLIENT
            and (tree_parent is ancestor)
        ):
            client = ancestor  # the server's own client: the call's two sides are paired

    if parent is None or child is None:
        return
    if kind is SpanKind.SERVER:
        into.append(
            Call(
                parent,
                child,
                _key(span, "c"),
                span.start_us,
                error,
                span.duration_us,
                client.duration_us if client else None,
                None,
                None,
                ancestor is not None and ancestor.local_service == parent,
                True,
            )
        )
    else:
        into.append(
            Call(
                parent,
                child,
                _key(span, "c"),
                span.start_us,
                error,
                None,
                span.duration_us,
                None,
                span.peer_kind,
                True,
                False,
            )
        )


def _messaging_call(span: Span, kind: SpanKind, parent: str, child: str) -> Call:
    """A producer's call into its broker, or a consumer's delivery from it."""
    broker_kind = span.peer_kind or NodeKind.QUEUE
    producing = kind is SpanKind.PRODUCER
    call = Call(parent, child, _key(span, "c"), span.start_us, span.error)
    if producing:
        call.client_us, call.child_kind, call.parent_local = span.duration_us, broker_kind, True
    else:
        call.server_us, call.parent_kind, call.child_local = span.duration_us, broker_kind, True
    return call


def with_inferred_peers(spans: list[Span]) -> list[Span]:
    """`spans`, where a span naming no peer takes the one its db/messaging attributes imply.

    Zipkin's linker reads only the named remote side; this draws the databases and
    brokers that instrumentation describes by attributes alone (as OTLP input does).
    """
    return [
        structs.replace(span, remote_service=span.inferred_peer)
        if span.inferred_peer is not None and span.remote_service is None
        else span
        for span in spans
    ]
