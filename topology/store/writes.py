"""The statements of an import: keys claimed, buckets and nodes upserted, the import logged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, case, not_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from topology.model import NodeKind
from topology.store.schema import edge_buckets, imports, nodes, seen_calls, service_buckets

Rows = Sequence[dict[str, Any]]


def claim(connection: Connection, keys: Sequence[tuple[int, int]]) -> set[int]:
    """Remember `(key, bucket start)` pairs; return the keys that were not remembered before.

    Inserting first and asking which rows went in (rather than looking keys up, then
    inserting) lets concurrent imports of the same calls each count a call once: a
    second import of a key waits for the first to commit, then finds it taken.
    """
    if not keys:
        return set()
    statement = _insert(connection, seen_calls).on_conflict_do_nothing(index_elements=["key"])
    rows = [{"key": key, "start": start} for key, start in keys]
    return set(connection.execute(statement.returning(seen_calls.c.key), rows).scalars())


def add_sums(connection: Connection, table: Table, rows: Rows) -> None:
    """Insert bucket rows, adding every non-key column onto a row already there."""
    if not rows:
        return
    statement = _insert(connection, table)
    keys = [column.name for column in table.primary_key]
    sums = {
        column.name: column + statement.excluded[column.name]
        for column in table.columns
        if not column.primary_key
    }
    connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=sums), rows)


def add_edges(connection: Connection, rows: Rows) -> None:
    """Add per-bucket edge rows onto `edge_buckets`."""
    add_sums(connection, edge_buckets, rows)


def add_services(connection: Connection, rows: Rows) -> None:
    """Add per-bucket service rows onto `service_buckets`."""
    add_sums(connection, service_buckets, rows)


def merge_nodes(connection: Connection, rows: Rows) -> None:
    """Upsert nodes: instrumented once seen so, the most specific kind, widest seen range."""
    if not rows:
        return
    statement = _insert(connection, nodes)
    new, old = statement.excluded, nodes.c
    kind = case(
        (and_(old.virtual, not_(new.virtual)), new.kind),
        (and_(not_(old.virtual), new.virtual), old.kind),
        (new.kind != NodeKind.SERVICE.value, new.kind),
        else_=old.kind,
    )
    merged = {
        "kind": kind,
        "virtual": and_(old.virtual, new.virtual),
        "first_seen": case((new.first_seen < old.first_seen, new.first_seen), else_=old.first_seen),
        "last_seen": case((new.last_seen > old.last_seen, new.last_seen), else_=old.last_seen),
    }
    connection.execute(statement.on_conflict_do_update(index_elements=["name"], set_=merged), rows)


def log_import(connection: Connection, row: dict[str, Any]) -> None:
    """Append one row to the `imports` audit log."""
    connection.execute(imports.insert(), row)


def _insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the store does not support {name} databases")
