"""The statements of a compaction: buckets moved into the next tier up, expired days dropped.

With the minutes go the records of the traces imported in them (which make imports
idempotent), the import log's lines, and the minutes of logs and metrics evidence (kept
per minute only, not rolled up): the store stays bounded however long it runs.

Buckets starting more than a day ahead of now are deleted first, from every tier: stored
before records so far ahead were refused, they would sit out of retention's reach and
break every read of the store's time range.

A move deletes the finer buckets and adds their sums onto the coarser ones in one
transaction, so running it again finds nothing left to move. On Postgres the delete
feeds the insert in a single statement: a minute written by a concurrent import is
either moved whole or left for the next compaction, never deleted unsummed. A table
lock on the rollups makes concurrent compactions take turns; imports and reads go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import FromClause, Table, cast, delete, func, literal, literal_column, select, text
from sqlalchemy.engine import Connection

from bot.adapters.store.inserts import insert_for
from bot.adapters.store.reads import Query, window
from bot.adapters.store.schema import (
    edge_buckets,
    edge_days,
    edge_hours,
    imports,
    log_minutes,
    log_template_minutes,
    metric_minutes,
    seen_logs,
    seen_traces,
    service_buckets,
    service_days,
    service_hours,
)
from topology.retention import DAY, HOUR, Cuts

if TYPE_CHECKING:
    from bot.adapters.store.inserts import Upsert

ROLLUPS = (edge_hours, edge_days, service_hours, service_days)
"""The tables only a compaction writes."""
SIGNAL_MINUTES = (log_minutes, log_template_minutes, seen_logs, metric_minutes)
"""The per-minute tables of logs and metrics evidence, deleted past the minutes cut."""
AHEAD = (edge_buckets, service_buckets, *ROLLUPS, seen_traces, *SIGNAL_MINUTES)
"""The tables whose rows start at a time, all cleared of rows stamped too far ahead."""


@dataclass(frozen=True, slots=True)
class Moved:
    """Rows taken out of a finer tier, and rows of the coarser tier they were added onto."""

    rows: int = 0
    into: int = 0

    def __add__(self, other: Moved) -> Moved:
        return Moved(self.rows + other.rows, self.into + other.into)


@dataclass(frozen=True, slots=True)
class Compaction:
    """What one compaction did to the edge and service buckets, tier by tier."""

    cuts: Cuts
    minutes: Moved
    """Minute rows rolled into hour rows (and deleted)."""
    hours: Moved
    """Hour rows rolled into day rows (and deleted)."""
    days_deleted: int
    """Day rows past their retention, deleted."""
    traces_forgotten: int = 0
    """Records of traces that started before the minutes cut, deleted: importing such a
    trace again counts it again."""
    imports_deleted: int = 0
    """Lines of the import log older than the minutes cut, deleted."""
    signals_deleted: int = 0
    """Rows of log and metric minutes (and of log records seen) older than the minutes cut,
    deleted: they are kept per minute only, not rolled up."""
    ahead_deleted: int = 0
    """Rows of any tier or evidence starting more than a day ahead of now, deleted."""


def compact(connection: Connection, cuts: Cuts) -> Compaction:
    """Move expired minutes into hours and hours into days, then drop expired days.

    What starts at `cuts.ahead_from` or later is dropped first.
    """
    if connection.dialect.name == "postgresql":
        names = ", ".join(table.name for table in ROLLUPS)
        connection.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    ahead = 0 if cuts.ahead_from is None else drop_ahead(connection, cuts.ahead_from)
    minutes = move(connection, edge_buckets, edge_hours, cuts.minutes_before, HOUR) + move(
        connection, service_buckets, service_hours, cuts.minutes_before, HOUR
    )
    hours = move(connection, edge_hours, edge_days, cuts.hours_before, DAY) + move(
        connection, service_hours, service_days, cuts.hours_before, DAY
    )
    days = sum(
        connection.execute(delete(table).where(*window(table, None, cuts.days_before))).rowcount
        for table in (edge_days, service_days)
    )
    before = cuts.minutes_before
    traces = connection.execute(delete(seen_traces).where(seen_traces.c.start < before)).rowcount
    lines = connection.execute(delete(imports).where(imports.c.at < before)).rowcount
    signals = sum(
        connection.execute(delete(table).where(table.c.start < before)).rowcount
        for table in SIGNAL_MINUTES
    )
    return Compaction(
        cuts=cuts,
        minutes=minutes,
        hours=hours,
        days_deleted=days,
        traces_forgotten=traces,
        imports_deleted=lines,
        signals_deleted=signals,
        ahead_deleted=ahead,
    )


def drop_ahead(connection: Connection, start: int) -> int:
    """Delete every bucket and evidence row starting at `start` or later; how many went."""
    return sum(
        connection.execute(delete(table).where(table.c.start >= start)).rowcount for table in AHEAD
    )


def move(connection: Connection, fine: Table, coarse: Table, before: int, width: int) -> Moved:
    """Move the buckets of `fine` starting before `before` onto their `width`-long `coarse` ones."""
    conditions = window(fine, None, before)
    keys = [column.name for column in coarse.primary_key if column.name != "start"]
    values = [column.name for column in coarse.columns if not column.primary_key]
    if connection.dialect.name != "postgresql":
        # SQLite writers take turns (BEGIN IMMEDIATE): nothing changes between the two.
        rolled = _rolled(fine, keys, values, width).where(*conditions)
        into = connection.execute(_add_onto(insert_for(connection, coarse), keys, values, rolled))
        gone = connection.execute(delete(fine).where(*conditions))
        return Moved(gone.rowcount, into.rowcount)
    taken = (
        delete(fine)
        .where(*conditions)
        .returning(*(fine.c[name] for name in (*keys, "start", *values)))
        .cte("taken")
    )
    added = (
        _add_onto(insert_for(connection, coarse), keys, values, _rolled(taken, keys, values, width))
        .returning(literal(1))
        .cte("added")
    )
    counted = select(
        select(func.count()).select_from(taken).scalar_subquery(),
        select(func.count()).select_from(added).scalar_subquery(),
    )
    gone, into = connection.execute(counted).one()
    return Moved(gone, into)


def _rolled(source: FromClause, keys: list[str], values: list[str], width: int) -> Query:
    """`source`'s rows summed per key and `width`-long bucket: keys, start, values."""
    # The width is written into the statement: as two bound parameters, Postgres would
    # not see that the selected start and the grouped one are the same expression.
    start = source.c.start - source.c.start % literal_column(str(int(width)))
    grouped = [source.c[name] for name in keys]
    summed = [cast(func.sum(source.c[name]), source.c[name].type) for name in values]
    return select(*grouped, start.label("start"), *summed).group_by(*grouped, start)


def _add_onto(statement: Upsert, keys: list[str], values: list[str], rows: Query) -> Upsert:
    """Insert `rows`, adding their values onto a bucket already there."""
    inserting = statement.from_select([*keys, "start", *values], rows)
    table = statement.table
    sums = {name: table.c[name] + inserting.excluded[name] for name in values}
    return inserting.on_conflict_do_update(index_elements=[*keys, "start"], set_=sums)
