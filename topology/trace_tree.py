"""A trace's spans as a tree, cleaned up the way Zipkin's own SpanNode does it.

Spans reported in pieces are merged, a server span sharing its client's id (B3) is
placed under that client, spans whose parent never arrived hang from the root, and
a trace without a root gets a synthetic one. `placed` lists the spans in tree order,
taking a short cut for the common trace whose span ids are all distinct and unshared.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from msgspec import structs

from topology.model import Span, SpanKind


@dataclass(eq=False, slots=True)
class SpanNode:
    """A node of the trace tree; the synthetic root has no span."""

    span: Span | None
    parent: SpanNode | None = None
    children: list[SpanNode] = field(default_factory=list)

    def add_child(self, child: SpanNode) -> None:
        """Attach `child` under this node."""
        self.children.append(child)
        child.parent = self

    def traverse(self) -> Iterator[SpanNode]:
        """Yield the nodes breadth-first, starting from the root-most real spans."""
        queue = deque(self.children if self.span is None else [self])
        while queue:
            node = queue.popleft()
            queue.extend(node.children)
            yield node


Endpoint = tuple[str | None, str | None, str | None, int | None]
"""A span's local endpoint: service name, ipv4, ipv6 and port."""


def endpoint_of(span: Span) -> Endpoint | None:
    """The span's local endpoint, or None when it reported none."""
    if span.local_address is None:
        return None if span.local_service is None else (span.local_service, None, None, None)
    return (span.local_service, *span.local_address)


def _nulls_last(value: str | None) -> tuple[int, str]:
    return (1, "") if value is None else (0, value)


def _cleanup_order(span: Span) -> tuple[object, ...]:
    # Clients first, shared servers last; spans without an endpoint before the rest.
    role = 2 if span.shared else 0 if span.kind is SpanKind.CLIENT else 1
    endpoint = endpoint_of(span)
    if endpoint is None:
        return (span.span_id, role, 0)
    service, ipv4, ipv6, _ = endpoint
    return (span.span_id, role, 1, _nulls_last(service), _nulls_last(ipv4), _nulls_last(ipv6))


class _EndpointTracker:
    """Decides whether pieces of a span came from the same endpoint (Zipkin's rule)."""

    def __init__(self, endpoint: Endpoint | None) -> None:
        self.parts: list[str | int | None] = [None, None, None, None]
        self.try_merge(endpoint)

    def try_merge(self, endpoint: Endpoint | None) -> bool:
        if endpoint is None:
            return True
        for mine, theirs in zip(self.parts, endpoint, strict=True):
            if mine and theirs and mine != theirs:
                return False
        self.parts = [mine or theirs for mine, theirs in zip(self.parts, endpoint, strict=True)]
        return True


def _merge_pieces(span: Span, piece: Span) -> Span:
    return structs.replace(
        span,
        parent_id=span.parent_id or piece.parent_id,
        kind=span.kind or piece.kind,
        local_service=span.local_service or piece.local_service,
        remote_service=span.remote_service or piece.remote_service,
        start_us=span.start_us if span.start_us else piece.start_us,
        duration_us=span.duration_us if span.duration_us else piece.duration_us,
        error=span.error or piece.error,
        peer_kind=span.peer_kind or piece.peer_kind,
        local_address=span.local_address or piece.local_address,
    )


def merge_spans(spans: Sequence[Span]) -> list[Span]:
    """Merge spans sent in several pieces and mark servers that share their client's id."""
    ordered = sorted(spans, key=_cleanup_order)
    result: list[Span] = []
    index = 0
    while index < len(ordered):
        span = ordered[index]
        index += 1
        tracker = _EndpointTracker(endpoint_of(span))
        while index < len(ordered) and ordered[index].span_id == span.span_id:
            piece = ordered[index]
            if piece.shared != span.shared or not tracker.try_merge(endpoint_of(piece)):
                break
            span = _merge_pieces(span, piece)
            index += 1
        last = result[-1] if result else None
        if last is not None and last.span_id == span.span_id:
            if last.kind is SpanKind.CLIENT and span.kind is SpanKind.SERVER and not span.shared:
                span = structs.replace(span, shared=True)
            if span.shared and span.parent_id is None and last.parent_id is not None:
                span = structs.replace(span, parent_id=last.parent_id)
        result.append(span)
    return result


def _key(span_id: str, *, shared: bool, endpoint: Endpoint | None) -> Hashable:
    return (span_id, endpoint) if shared else span_id


def build_tree(spans: Sequence[Span]) -> SpanNode:
    """Build the tree of one trace's spans; the first parentless span is the root."""
    cleaned = merge_spans(spans)
    span_to_parent: dict[Hashable, Hashable | None] = {}
    for span in cleaned:
        if span.shared:
            span_to_parent[_key(span.span_id, shared=True, endpoint=endpoint_of(span))] = (
                span.span_id
            )
        else:
            span_to_parent[span.span_id] = span.parent_id
    root, key_to_node = _place(cleaned, span_to_parent)
    tree = root if root is not None else SpanNode(None)
    for child_key, parent_key in span_to_parent.items():
        child = key_to_node.get(child_key)
        if child is None or child.parent is not None:
            continue
        parent_node = key_to_node.get(parent_key) if parent_key is not None else None
        if parent_node is None or parent_node is child:
            tree.add_child(child)
        else:
            parent_node.add_child(child)
    return tree


def _place(
    cleaned: Sequence[Span], span_to_parent: dict[Hashable, Hashable | None]
) -> tuple[SpanNode | None, dict[Hashable, SpanNode]]:
    """Make a node per span, settle each one's parent key, and pick the root."""
    root: SpanNode | None = None
    key_to_node: dict[Hashable, SpanNode] = {}
    for span in cleaned:
        endpoint = endpoint_of(span)
        key = _key(span.span_id, shared=span.shared, endpoint=endpoint)
        no_endpoint_key = _key(span.span_id, shared=span.shared, endpoint=None)
        parent: Hashable | None = None
        if span.shared:
            parent = span.span_id
        elif span.parent_id is not None:
            # A child of a shared server span on the same endpoint is the most specific case.
            shared_parent = _key(span.parent_id, shared=True, endpoint=endpoint)
            if shared_parent in span_to_parent:
                parent = shared_parent
                span_to_parent[no_endpoint_key] = shared_parent
            else:
                parent = span.parent_id
        node = SpanNode(span)
        if parent is None and root is None:
            root = node
            span_to_parent.pop(no_endpoint_key, None)
        else:
            key_to_node[no_endpoint_key] = node
            if span.shared:
                key_to_node[key] = node
    return root, key_to_node


Placed = tuple[Span, Span | None, Span | None, bool, bool]
"""A span in the tree: itself, its parent's span, its nearest ancestor that has a kind,
whether it has children, and whether it is the root."""


def placed(spans: Sequence[Span]) -> list[Placed]:
    """The spans of one trace, breadth-first as `build_tree(spans).traverse()` yields them."""
    if any(span.shared for span in spans):
        return _placed_in(build_tree(spans))
    ids = {span.span_id for span in spans}
    if len(ids) < len(spans):
        return _placed_in(build_tree(spans))
    return _placed_distinct(spans, ids)


def _placed_in(tree: SpanNode) -> list[Placed]:
    result: list[Placed] = []
    for node in tree.traverse():
        span = node.span
        if span is None:
            continue
        parent = node.parent.span if node.parent is not None else None
        result.append((span, parent, _kind_ancestor(node), bool(node.children), node is tree))
    return result


def _kind_ancestor(node: SpanNode) -> Span | None:
    ancestor = node.parent
    while ancestor is not None:
        if ancestor.span is not None and ancestor.span.kind is not None:
            return ancestor.span
        ancestor = ancestor.parent
    return None


_span_id = attrgetter("span_id")


def _placed_distinct(spans: Sequence[Span], ids: set[str]) -> list[Placed]:
    """`placed` for spans with distinct ids, none shared: nothing to merge, one key each.

    This is what `build_tree` does for such spans, without building nodes: they are
    ordered by id, the first without a parent is the root, and a span whose parent is
    missing (or itself) hangs from the root, or from a synthetic root when there is none.
    """
    ordered = sorted(spans, key=_span_id)
    root = next((span for span in ordered if span.parent_id is None), None)
    top = root.span_id if root is not None else None
    children: dict[str | None, list[Span]] = {}
    for span in ordered:
        if span is root:
            continue
        parent_id = span.parent_id
        if parent_id is None or parent_id == span.span_id or parent_id not in ids:
            parent_id = top
        kids = children.get(parent_id)
        if kids is None:
            children[parent_id] = [span]
        else:
            kids.append(span)
    if root is not None:
        result: list[Placed] = [(root, None, None, top in children, True)]
    else:
        result = [
            (span, None, None, span.span_id in children, False) for span in children.get(None, ())
        ]
    for span, _parent, ancestor, has_children, _root in result:  # grows as it goes
        if has_children:
            nearest = span if span.kind is not None else ancestor
            result.extend(
                (kid, span, nearest, kid.span_id in children, False)
                for kid in children[span.span_id]
            )
    return result
