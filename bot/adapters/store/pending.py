"""Client spans waiting for their server spans: kept in `pending_spans` until settled.

A span is written as a JSON array of its own fields. A row that does not read back (written by
another version, or edited by hand) comes out without its span, to be deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select

from bot.adapters.store.inserts import insert_for
from bot.adapters.store.schema import pending_spans
from topology.model import KEY_SEP, NodeKind, Span, SpanKind

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

_FIELDS = 12
"""The fields of a span as kept: `encoded` writes them in `Span`'s order."""

CHUNK = 500
"""Rows a statement names at most: under every database's limit on bound parameters."""

PendingKey = tuple[str, str]
"""A waiting span's trace id and its key within the trace (`span_key`)."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """A client span waiting until `until_s`; `span` is None for a row that did not read."""

    key: PendingKey
    until_s: int
    span: Span | None


def span_key(span: Span) -> str:
    """The span's key within its trace: id, reporting service and kind."""
    kind = span.kind.value if span.kind is not None else ""
    return f"{span.span_id}{KEY_SEP}{span.local_service or ''}{KEY_SEP}{kind}"


def key_of(span: Span) -> PendingKey:
    """Where `span` waits: its trace id and `span_key`."""
    return span.trace_id, span_key(span)


def put(connection: Connection, spans: Sequence[tuple[Span, int]]) -> None:
    """Keep each span until its time; a span kept already is left as it is."""
    for part in _chunks(sorted(spans, key=lambda item: key_of(item[0]))):
        values = [
            {
                "trace_id": span.trace_id,
                "span_key": span_key(span),
                "until_s": until,
                "span": encoded(span),
            }
            for span, until in part
        ]
        connection.execute(insert_for(connection, pending_spans).on_conflict_do_nothing(), values)


def drop(connection: Connection, keys: Iterable[PendingKey]) -> set[PendingKey]:
    """Delete the rows of `keys`; return the keys of those there were.

    The rows are read first (locked on Postgres, as SQLite's writer holds the whole
    database), then deleted by key: cheaper than one statement naming every pair.
    """
    wanted = set(keys)
    if not wanted:
        return set()
    there: set[PendingKey] = set()
    for part in _chunks(sorted({trace_id for trace_id, _ in wanted})):
        query = select(pending_spans.c.trace_id, pending_spans.c.span_key).where(
            pending_spans.c.trace_id.in_(part)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        there.update((row.trace_id, row.span_key) for row in connection.execute(query))
    found = sorted(wanted & there)
    if found:
        statement = delete(pending_spans).where(
            pending_spans.c.trace_id == bindparam("t"), pending_spans.c.span_key == bindparam("k")
        )
        connection.execute(statement, [{"t": trace_id, "k": key} for trace_id, key in found])
    return set(found)


class SettledElsewhere(Exception):  # noqa: N818 - says what happened, not that it failed
    """Waiting spans another transaction settled first: their calls were counted there."""

    def __init__(self, keys: Iterable[PendingKey]) -> None:
        self.keys = frozenset(keys)
        super().__init__(f"{len(self.keys)} waiting spans were settled by another transaction")


def of_traces(connection: Connection, trace_ids: Sequence[str], *, limit: int) -> list[Waiting]:
    """The spans waiting in the traces `trace_ids`, at most `limit`."""
    found: list[Waiting] = []
    for part in _chunks(sorted(set(trace_ids))):
        query = select(pending_spans).where(pending_spans.c.trace_id.in_(part))
        found.extend(_read(connection.execute(query.limit(limit - len(found)))))
        if len(found) >= limit:
            break
    return found


def due(connection: Connection, *, now_s: int, limit: int) -> list[Waiting]:
    """Spans done waiting at `now_s`, those due first first, at most `limit`."""
    query = (
        select(pending_spans)
        .where(pending_spans.c.until_s <= now_s)
        .order_by(pending_spans.c.until_s)
        .limit(limit)
    )
    return _read(connection.execute(query))


def _read(rows: Iterable[Row[Any]]) -> list[Waiting]:
    return [
        Waiting((row.trace_id, row.span_key), int(row.until_s), decoded(row.trace_id, row.span))
        for row in rows
    ]


def encoded(span: Span) -> str:
    """`span` as kept: a JSON array of its fields but the trace id."""
    kind = span.kind.value if span.kind is not None else None
    peer = span.peer_kind.value if span.peer_kind is not None else None
    address = list(span.local_address) if span.local_address is not None else None
    return json.dumps(
        [
            span.span_id, span.parent_id, kind, span.local_service, span.remote_service,
            span.start_us, span.duration_us, span.error, span.shared, peer, address,
            span.inferred_peer,
        ]
    )  # fmt: skip


def decoded(trace_id: str, text: str) -> Span | None:
    """The span of trace `trace_id` kept as `text`, or None when it does not read as one."""
    try:
        fields = json.loads(text)
        if not isinstance(fields, list) or len(fields) != _FIELDS:
            return None
        span_id, parent, kind, local, remote, start, duration, error, shared = fields[:9]
        peer, address, inferred = fields[9:]
        return Span(
            trace_id,
            _text(span_id),
            _maybe_text(parent),
            None if kind is None else SpanKind(kind),
            _maybe_text(local),
            _maybe_text(remote),
            start_us=_maybe_int(start),
            duration_us=_maybe_int(duration),
            error=error is True,
            shared=shared is True,
            peer_kind=None if peer is None else NodeKind(peer),
            local_address=None if address is None else _address(address),
            inferred_peer=_maybe_text(inferred),
        )
    except (ValueError, TypeError, RecursionError):
        return None


def _address(value: object) -> tuple[str | None, str | None, int | None]:
    if not isinstance(value, list) or len(value) != 3:  # noqa: PLR2004 - ipv4, ipv6, port
        raise ValueError("an address is three fields")
    return _maybe_text(value[0]), _maybe_text(value[1]), _maybe_int(value[2])


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _maybe_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _maybe_int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
