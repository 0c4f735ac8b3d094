"""INSERTs that can skip or update conflicting rows, in the connection's own dialect.

A dialect's module is imported when a statement is first built for it: a process that
only reads, or uses SQLite, loads no Postgres dialect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.engine import Connection

    Upsert: TypeAlias = postgresql.Insert | sqlite.Insert


def insert_for(connection: Connection, table: Table) -> Upsert:
    """An INSERT into `table` in the connection's dialect, which can skip or update conflicts."""
    name = connection.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql  # noqa: PLC0415 - loaded for Postgres only

        return postgresql.insert(table)
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite  # noqa: PLC0415 - loaded for SQLite only

        return sqlite.insert(table)
    raise NotImplementedError(f"the store does not support {name} databases")
