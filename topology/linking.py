"""Spans into calls along edges, by the rules of Zipkin's DependencyLinker.

Only server spans make links, except at the bottom of the tree: a client span
without children stands for an uninstrumented peer. A span without kind but with
both sides named is a client. Messaging spans link only to their broker. A server's
caller is the service of its nearest remote ancestor. An error is the span's own
error, or for a server split from its client, the client's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from topology.model import Call, NodeKind, Served, Span, SpanKind
from topology.trace_tree import SpanNode, build_tree

_SEP = "\x1f"
_MESSAGING = (SpanKind.PRODUCER, SpanKind.CONSUMER)


@dataclass(slots=True)
class Linked:
    """What linking a batch of spans found."""

    calls: list[Call] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)
    traces: int = 0


def group_by_trace(spans: Iterable[Span]) -> dict[str, list[Span]]:
    """Spans grouped by trace id, in first-seen order."""
    traces: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        traces[span.trace_id].append(span)
    return traces


def link(spans: Iterable[Span]) -> Linked:
    """Link every trace found among `spans`."""
    linked = Linked()
    for trace in group_by_trace(spans).values():
        link_trace(trace, linked)
        linked.traces += 1
    return linked


def link_trace(spans: Sequence[Span], into: Linked) -> None:
    """Link the spans of one trace, appending what was found to `into`."""
    if not spans:
        return
    tree = build_tree(spans)
    for node in tree.traverse():
        span = node.span
        if span is None:
            continue
        if span.kind in (SpanKind.SERVER, SpanKind.CONSUMER) and span.local_service:
            into.served.append(
                Served(span.local_service, _key(span, "s"), span.start_us, span.error,
                       span.duration_us)
            )
        into.calls.extend(_calls_of(node, span, is_root=node is tree))


def _key(span: Span, role: str) -> str:
    side = span.local_service or "" if span.shared else ""
    return _SEP.join((span.trace_id, span.span_id, side, role))


def _first_remote_ancestor(node: SpanNode) -> Span | None:
    ancestor = node.parent
    while ancestor is not None:
        if ancestor.span is not None and ancestor.span.kind is not None:
            return ancestor.span
        ancestor = ancestor.parent
    return None


def _sides(
    node: SpanNode, span: Span, *, is_root: bool
) -> tuple[SpanKind, str | None, str | None] | None:
    """The span's effective kind and its (parent, child) names, or None if it links nothing."""
    kind = span.kind
    if kind is SpanKind.CLIENT and node.children:
        return None  # the server below names the callee better than the client did
    service, remote = span.local_service, span.remote_service
    if kind is None:
        if service is None or remote is None:
            return None
        kind = SpanKind.CLIENT
    if kind in (SpanKind.SERVER, SpanKind.CONSUMER):
        if is_root and remote is None:
            return None
        return kind, remote, service
    return kind, service, remote


def _calls_of(node: SpanNode, span: Span, *, is_root: bool) -> Iterator[Call]:
    sides = _sides(node, span, is_root=is_root)
    if sides is None:
        return
    kind, parent, child = sides
    if kind in _MESSAGING:
        if parent is not None and child is not None:
            yield _messaging_call(span, kind, parent, child)
        return

    error = span.error
    client: Span | None = None
    ancestor = _first_remote_ancestor(node)
    if ancestor is not None and ancestor.local_service is not None:
        ancestor_name = ancestor.local_service
        service = span.local_service
        if kind is SpanKind.CLIENT and service is not None and ancestor_name != service:
            # The client span carries its caller's name: backfill the hop it skipped.
            yield Call(ancestor_name, service, _key(span, "b"), span.start_us, error=False,
                       parent_local=True, child_local=True)
        if kind is SpanKind.SERVER or parent is None:
            parent = ancestor_name
        if ancestor.kind is SpanKind.CLIENT and ancestor.span_id == span.parent_id:
            error = error or ancestor.error
        if kind is SpanKind.SERVER and ancestor.kind is SpanKind.CLIENT and _is_pair(
            node, ancestor
        ):
            client = ancestor

    if parent is None or child is None:
        return
    if kind is SpanKind.SERVER:
        yield Call(
            parent, child, _key(span, "c"), span.start_us, error,
            server_us=span.duration_us,
            client_us=client.duration_us if client else None,
            parent_local=ancestor is not None and ancestor.local_service == parent,
            child_local=True,
        )
    else:
        yield Call(
            parent, child, _key(span, "c"), span.start_us, error,
            client_us=span.duration_us, child_kind=span.peer_kind, parent_local=True,
        )


def _is_pair(node: SpanNode, client: Span) -> bool:
    return node.parent is not None and node.parent.span is client


def _messaging_call(span: Span, kind: SpanKind, parent: str, child: str) -> Call:
    broker_kind = span.peer_kind or NodeKind.QUEUE
    if kind is SpanKind.PRODUCER:
        return Call(parent, child, _key(span, "c"), span.start_us, span.error,
                    child_kind=broker_kind, parent_local=True)
    return Call(parent, child, _key(span, "c"), span.start_us, span.error,
                parent_kind=broker_kind, child_local=True)
