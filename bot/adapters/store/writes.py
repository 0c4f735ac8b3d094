"""The statements of an import: traces claimed, buckets and nodes upserted, the import logged."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, not_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from bot.adapters.store.inserts import insert_for
from bot.adapters.store.schema import edge_buckets, imports, nodes, seen_traces, service_buckets
from topology.model import NodeKind

Rows = Sequence[dict[str, Any]]

_CHUNK = 5_000
"""Keys looked up per statement: well under the bound parameters SQLite allows."""


def claim_traces(connection: Connection, rows: Rows) -> dict[int, tuple[int, bytes]]:
    """Insert the `seen_traces` rows of traces not remembered; return the others' `(start, calls)`.

    On Postgres, inserting first (rather than looking keys up, then inserting) lets
    concurrent imports of one trace take turns: the second waits for the first to commit,
    then finds the trace taken, and reads it locked until its own transaction ends.
    SQLite writers take turns anyway (BEGIN IMMEDIATE): there, looking up first is cheaper.
    """
    if not rows:
        return {}
    ordered = sorted(rows, key=itemgetter("key"))  # one lock order for every import
    statement = insert_for(connection, seen_traces)
    if connection.dialect.name != "postgresql":
        known = _remembered(connection, [row["key"] for row in ordered], lock=False)
        unknown = [row for row in ordered if row["key"] not in known]
        if unknown:
            _execute_plain(connection, statement, unknown)
        return known
    claiming = statement.on_conflict_do_nothing(index_elements=["key"])
    claimed = set(connection.execute(claiming.returning(seen_traces.c.key), ordered).scalars())
    others = [row["key"] for row in ordered if row["key"] not in claimed]
    return _remembered(connection, others, lock=True)


def grow_traces(connection: Connection, rows: Rows) -> None:
    """Overwrite the `start` and `calls` of remembered traces."""
    if not rows:
        return
    table = seen_traces
    statement = (
        update(table)
        .where(table.c.key == bindparam("b_key"))
        .values(start=bindparam("b_start"), calls=bindparam("b_calls"))
    )
    connection.execute(
        statement,
        [{"b_key": row["key"], "b_start": row["start"], "b_calls": row["calls"]} for row in rows],
    )


def add_sums(connection: Connection, table: Table, rows: Rows) -> None:
    """Insert bucket rows, adding every non-key column onto a row already there."""
    if not rows:
        return
    statement = insert_for(connection, table)
    keys = [column.name for column in table.primary_key]
    sums = {
        column.name: column + statement.excluded[column.name]
        for column in table.columns
        if not column.primary_key
    }
    upsert = statement.on_conflict_do_update(index_elements=keys, set_=sums)
    _execute_plain(connection, upsert, rows)


def add_edges(connection: Connection, rows: Rows) -> None:
    """Add per-bucket edge rows onto `edge_buckets`."""
    add_sums(connection, edge_buckets, rows)


def add_services(connection: Connection, rows: Rows) -> None:
    """Add per-bucket service rows onto `service_buckets`."""
    add_sums(connection, service_buckets, rows)


def put_edges(connection: Connection, rows: Rows) -> None:
    """Write per-bucket edge rows onto `edge_buckets`, replacing a row already there."""
    if not rows:
        return
    statement = insert_for(connection, edge_buckets)
    keys = [column.name for column in edge_buckets.primary_key]
    values = {
        column.name: statement.excluded[column.name]
        for column in edge_buckets.columns
        if not column.primary_key
    }
    upsert = statement.on_conflict_do_update(index_elements=keys, set_=values)
    _execute_plain(connection, upsert, rows)


def merge_nodes(connection: Connection, rows: Rows) -> None:
    """Upsert nodes: instrumented once seen so, the most specific kind, widest seen range."""
    if not rows:
        return
    statement = insert_for(connection, nodes)
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


def _remembered(
    connection: Connection, keys: Sequence[int], *, lock: bool
) -> dict[int, tuple[int, bytes]]:
    """`(start, calls)` of the traces among `keys` that are remembered, locked if `lock`."""
    table, known = seen_traces, {}
    for begin in range(0, len(keys), _CHUNK):
        query = (
            select(table.c.key, table.c.start, table.c.calls)
            .where(table.c.key.in_(keys[begin : begin + _CHUNK]))
            .order_by(table.c.key)
        )
        for key, start, calls in connection.execute(query.with_for_update() if lock else query):
            known[key] = (start, calls)
    return known


def _execute_plain(connection: Connection, statement: Insert, rows: Rows) -> None:
    """Run `statement` once per row, handing the rows straight to the driver.

    For rows of plain numbers and strings, which need no conversion on their way in:
    compiled once, the statement skips SQLAlchemy's per-row parameter processing.
    """
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(rows[0]))
    order = compiled.positiontup
    if order is None:
        connection.exec_driver_sql(compiled.string, list(rows))
        return
    connection.exec_driver_sql(
        compiled.string, [tuple(row[name] for name in order) for row in rows]
    )
