"""The map of a SQLite store read with the standard library's sqlite3: no SQLAlchemy loaded.

For questions only: the file is opened read-only, and only when it is at the newest
schema revision (`open_reader` returns None otherwise, and the SQLAlchemy store answers).
The statements are those of `topology.store.reads`, written out for SQLite.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from topology.errors import StoreError
from topology.model import NodeKind
from topology.stats import EdgeStats, Node, ServiceStats
from topology.store.columns import MINUTE
from topology.store.revisions import VERSION_TABLE, head_revision
from topology.store.rows import EDGE_VALUES, SERVICE_VALUES, edge_stats, service_stats

SQLITE_PREFIX = "sqlite:///"
"""How a database URL names a SQLite file."""
FLOATS = frozenset({"lat_sum_ms", "client_sum_ms", "server_sum_ms"})
"""The summed columns holding milliseconds as floating point; the others count."""
EDGE_TIERS = (("edge_buckets", True), ("edge_hours", False), ("edge_days", False))
"""The edge bucket tables, finest first, and whether theirs is the `resolution` column."""
SERVICE_TIERS = (("service_buckets", True), ("service_hours", False), ("service_days", False))
"""The service bucket tables, finest first, and whether theirs is the `resolution` column."""


def _window(table: str, *, minutes: bool) -> str:
    """The condition picking a window's buckets of `table`: parameters :start and :end."""
    conditions = [f"{table}.resolution = {MINUTE}"] if minutes else []
    conditions += ["(:start IS NULL OR start >= :start)", "(:end IS NULL OR start < :end)"]
    return " AND ".join(conditions)


def _summed(names: tuple[str, ...]) -> str:
    # SUM of integers stays an integer in SQLite; the casts match the store's own reads.
    return ", ".join(
        f"CAST(sum({name}) AS {'REAL' if name in FLOATS else 'INTEGER'}) AS {name}"
        for name in names
    )


def _union(tiers: tuple[tuple[str, bool], ...], keys: str, values: tuple[str, ...]) -> str:
    columns = ", ".join((keys, "start", *values))
    return " UNION ALL ".join(
        f"SELECT {columns} FROM {table} WHERE {_window(table, minutes=minutes)}"  # noqa: S608 - names of the schema, values bound
        for table, minutes in tiers
    )


# S608 below: every name in these statements is the schema's own, every value a bound parameter.
_EDGE_COLUMNS = ", ".join(f"summed.{name}" for name in EDGE_VALUES)
_ALL_TIERS = (*EDGE_TIERS, *SERVICE_TIERS)

EDGE_SUMS = (
    f"SELECT summed.parent, summed.child, nodes.kind, {_EDGE_COLUMNS}"  # noqa: S608 - names of the schema, values bound
    f" FROM (SELECT parent, child, {_summed(EDGE_VALUES)}"
    f" FROM ({_union(EDGE_TIERS, 'parent, child', EDGE_VALUES)}) GROUP BY parent, child) AS summed"
    " LEFT OUTER JOIN nodes ON nodes.name = summed.child ORDER BY summed.parent, summed.child"
)
SERVICE_SUMS = (
    f"SELECT service, {_summed(SERVICE_VALUES)}"  # noqa: S608 - names of the schema, values bound
    f" FROM ({_union(SERVICE_TIERS, 'service', SERVICE_VALUES)})"
    " GROUP BY service ORDER BY service"
)
ALL_NODES = "SELECT name, kind, virtual FROM nodes ORDER BY name"
BUCKETS_HELD = "SELECT " + " OR ".join(  # noqa: S608 - names of the schema, values bound
    f"EXISTS (SELECT 1 FROM {table} WHERE {_window(table, minutes=minutes)})"  # noqa: S608 - names of the schema, values bound
    for table, minutes in _ALL_TIERS
)
_RANGES = " UNION ALL ".join(
    f"SELECT min(start) AS low, max(start) AS high FROM {table}"  # noqa: S608 - names of the schema, values bound
    f" WHERE {_window(table, minutes=minutes)}"
    for table, minutes in _ALL_TIERS
)
BUCKET_RANGE = f"SELECT min(low), max(high) FROM ({_RANGES})"  # noqa: S608 - names of the schema, values bound
REVISION = f"SELECT version_num FROM {VERSION_TABLE}"  # noqa: S608 - names of the schema, values bound


class SqliteMapReader:
    """`MapStore` over one read-only sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection, name: str) -> None:
        self._connection = connection
        self._name = name

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """Every edge with its statistics summed over `start_s <= bucket start < end_s`."""
        found = self._rows(EDGE_SUMS, {"start": start_s, "end": end_s})
        return [edge_stats(row[0], row[1], row[2], row[3:]) for row in found]

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        """Every service with its served requests summed over the window."""
        found = self._rows(SERVICE_SUMS, {"start": start_s, "end": end_s})
        return [service_stats(row[0], row[1:]) for row in found]

    def nodes(self) -> list[Node]:
        """Every node ever seen, instrumented or virtual."""
        return [
            Node(name, NodeKind(kind), bool(virtual))
            for name, kind, virtual in self._rows(ALL_NODES, {})
        ]

    def holds_buckets(self, start_s: int, end_s: int) -> bool:
        """Whether any edge or service bucket starts in `start_s <= start < end_s`."""
        ((held,),) = self._rows(BUCKETS_HELD, {"start": start_s, "end": end_s})
        return bool(held)

    def time_range(self) -> tuple[int, int] | None:
        """The first and last bucket start stored, in any tier, or None when the store is empty."""
        ((low, high),) = self._rows(BUCKET_RANGE, {"start": None, "end": None})
        return None if low is None else (int(low), int(high))

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def _rows(self, statement: str, parameters: dict[str, int | None]) -> list[Any]:
        try:
            return self._connection.execute(statement, parameters).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"{self._name}: {error}") from None


def open_reader(url: str) -> SqliteMapReader | None:
    """A reader of the SQLite file `url` names, when it is there at the newest schema; else None."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = Path(url.removeprefix(SQLITE_PREFIX)).expanduser()
    if not path.name or "?" in url or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        revisions = [row[0] for row in connection.execute(REVISION).fetchall()]
    except sqlite3.Error:
        revisions = []
    if revisions != [head_revision()]:
        connection.close()
        return None
    return SqliteMapReader(connection, str(path))
