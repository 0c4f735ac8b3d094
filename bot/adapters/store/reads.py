"""The queries behind the store's answers: sums and series over a window of buckets.

Every query reads all three tiers (minutes, hours, days): a compaction moves buckets
from one tier to the next, so each call is counted in exactly one of them, and a window
reaching back past the minutes kept is answered from the hours or days there. A coarse
bucket belongs to a window when it starts in it, as a minute does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    Table,
    cast,
    exists,
    func,
    or_,
    select,
    union_all,
)

from bot.adapters.store.rows import (
    CALL_VALUES,
    EDGE_VALUES,
    INCOMING_VALUES,
    SERVICE_VALUES,
)
from bot.adapters.store.schema import (
    MINUTE,
    edge_buckets,
    edge_days,
    edge_hours,
    imports,
    nodes,
    service_buckets,
    service_days,
    service_hours,
)
from topology.stats import TIMING_VALUES

Query: TypeAlias = Select[*tuple[Any, ...]]
"""A select of any number of columns of any type."""
Names: TypeAlias = Collection[str] | None
"""The nodes a query is narrowed to; None for every node."""
NAMES_PER_QUERY = 500
"""The most names one query is narrowed to: every database takes that many parameters."""

EDGE_TIERS = (edge_buckets, edge_hours, edge_days)
"""The edge bucket tables, finest first."""
SERVICE_TIERS = (service_buckets, service_hours, service_days)
"""The service bucket tables, finest first."""
COARSE_EDGE_TIERS = EDGE_TIERS[1:]
"""The edge bucket tables compacted minutes move to."""
COARSE_SERVICE_TIERS = SERVICE_TIERS[1:]
"""The service bucket tables compacted minutes move to."""


def name_chunks(names: Names) -> Iterator[Sequence[str] | None]:
    """`names` sorted, `NAMES_PER_QUERY` at a time; None once when they are None."""
    if names is None:
        yield None
        return
    ordered = sorted(set(names))
    for begin in range(0, len(ordered), NAMES_PER_QUERY):
        yield ordered[begin : begin + NAMES_PER_QUERY]


def window(table: Table, start_s: int | None, end_s: int | None) -> list[ColumnElement[bool]]:
    """Conditions picking the buckets of `table` with `start_s <= start < end_s`."""
    conditions: list[ColumnElement[bool]] = []
    if "resolution" in table.c:
        conditions.append(table.c.resolution == MINUTE)
    if start_s is not None:
        conditions.append(table.c.start >= start_s)
    if end_s is not None:
        conditions.append(table.c.start < end_s)
    return conditions


def edge_sums(
    start_s: int | None, end_s: int | None, values: tuple[str, ...] = EDGE_VALUES
) -> Query:
    """Per edge: parent, child, child's kind, then `values` summed over the window."""
    tiers = _edges_in(start_s, end_s, values)
    summed = (
        select(tiers.c.parent, tiers.c.child, *_summed(tiers, values))
        .group_by(tiers.c.parent, tiers.c.child)
        .subquery()
    )
    return (
        select(summed.c.parent, summed.c.child, nodes.c.kind, *_columns(summed, values))
        .select_from(summed.outerjoin(nodes, nodes.c.name == summed.c.child))
        .order_by(summed.c.parent, summed.c.child)
    )


def grouped_edge_sums(
    start_s: int | None, end_s: int | None, values: tuple[str, ...] = EDGE_VALUES
) -> Query:
    """`edge_sums` grouped in one level, the child's kind looked up per edge: for SQLite.

    SQLite sorts the union once, for the grouping, and gives the groups in that order;
    joining the kinds on after the grouping made it sort every edge a second time (on
    50,000 edges compacted into days, 0.85 s against 0.55 s).
    """
    tiers = _edges_in(start_s, end_s, values)
    kind = select(nodes.c.kind).where(nodes.c.name == tiers.c.child).scalar_subquery()
    return (
        select(tiers.c.parent, tiers.c.child, kind.label("kind"), *_summed(tiers, values))
        .group_by(tiers.c.parent, tiers.c.child)
        .order_by(tiers.c.parent, tiers.c.child)
    )


def minute_edge_sums(start_s: int | None, end_s: int | None) -> Query:
    """`edge_sums` of a window no hour or day bucket starts in: the minutes alone.

    The same rows summed in the same order (by start within each edge), without the
    union of the tiers: with no start, SQLite reads the minutes in the order of their key
    and groups them without sorting every bucket first (on 107,000 buckets, a third less).
    For SQLite: Postgres groups the union by hashing, and would sum in another order.
    """
    table = edge_buckets
    conditions = window(table, start_s, end_s)
    if start_s is None:
        # Not an indexed column once added to: the table's key order serves the grouping.
        conditions[0] = (table.c.resolution + 0) == MINUTE
    kind = select(nodes.c.kind).where(nodes.c.name == table.c.child).scalar_subquery()
    return (
        select(table.c.parent, table.c.child, kind.label("kind"), *_summed(table, EDGE_VALUES))
        .where(*conditions)
        .group_by(table.c.parent, table.c.child)
        .order_by(table.c.parent, table.c.child)
    )


def edge_call_sums(start_s: int | None, end_s: int | None) -> Query:
    """As `edge_sums`, with only the calls and errors summed: for questions about traffic.

    Summing the latency columns too costs about four times as much on a large map.
    """
    return edge_sums(start_s, end_s, CALL_VALUES)


def edge_buckets_in(start_s: int | None, end_s: int | None, touching: Names = None) -> Query:
    """Per edge bucket, in time order: parent, child, child's kind, start, `EDGE_VALUES`.

    Buckets of two tiers starting at the same second (minutes imported late into an hour
    already compacted) come summed, as one. With `touching`, only the edges into or out
    of those nodes.
    """
    tiers = _edges_in(start_s, end_s, EDGE_VALUES, touching)
    summed = (
        select(tiers.c.parent, tiers.c.child, tiers.c.start, *_summed(tiers, EDGE_VALUES))
        .group_by(tiers.c.parent, tiers.c.child, tiers.c.start)
        .subquery()
    )
    return (
        select(summed.c.parent, summed.c.child, nodes.c.kind, summed.c.start)
        .add_columns(*_columns(summed, EDGE_VALUES))
        .select_from(summed.outerjoin(nodes, nodes.c.name == summed.c.child))
        .order_by(summed.c.parent, summed.c.child, summed.c.start)
    )


def edge_timings_in(start_s: int, end_s: int, touching: Names = None) -> Query:
    """Per edge bucket, in time order: parent, child, start, `TIMING_VALUES` (tiers summed).

    What ranking reads of an edge: its calls, and the time on each of its sides. With
    `touching`, only the edges into or out of those nodes.
    """
    tiers = _edges_in(start_s, end_s, TIMING_VALUES, touching)
    return (
        select(tiers.c.parent, tiers.c.child, tiers.c.start, *_summed(tiers, TIMING_VALUES))
        .group_by(tiers.c.parent, tiers.c.child, tiers.c.start)
        .order_by(tiers.c.parent, tiers.c.child, tiers.c.start)
    )


def incoming_buckets_in(start_s: int | None, end_s: int | None, nodes: Names = None) -> Query:
    """The edge buckets into each node that served nothing in the window, from other nodes.

    Per bucket of any tier, ordered by child, start and parent: child, start, parent,
    `INCOMING_VALUES`. A bucket of two tiers starting at the same second comes twice.
    With `nodes`, only the buckets into those.
    """
    served = select(_services_in(start_s, end_s, nodes).c.service)
    tiers = union_all(
        *(
            select(table.c.child, table.c.start, table.c.parent, *_columns(table, INCOMING_VALUES))
            .where(*window(table, start_s, end_s))
            .where(table.c.parent != table.c.child, table.c.child.not_in(served))
            .where(*([] if nodes is None else [table.c.child.in_(nodes)]))
            for table in EDGE_TIERS
        )
    ).subquery()
    return select(tiers).order_by(tiers.c.child, tiers.c.start, tiers.c.parent)


def service_sums(start_s: int | None, end_s: int | None) -> Query:
    """Per service: its name, then the `SERVICE_VALUES` summed over the window."""
    tiers = _services_in(start_s, end_s)
    return (
        select(tiers.c.service, *_summed(tiers, SERVICE_VALUES))
        .group_by(tiers.c.service)
        .order_by(tiers.c.service)
    )


def service_buckets_in(start_s: int | None, end_s: int | None, services: Names = None) -> Query:
    """Per service bucket, in time order: service, start, `SERVICE_VALUES` (tiers summed).

    With `services`, only theirs.
    """
    tiers = _services_in(start_s, end_s, services)
    return (
        select(tiers.c.service, tiers.c.start, *_summed(tiers, SERVICE_VALUES))
        .group_by(tiers.c.service, tiers.c.start)
        .order_by(tiers.c.service, tiers.c.start)
    )


def service_minutes_in(start_s: int | None, end_s: int | None, services: Names = None) -> Query:
    """Per minute service bucket, in no order: service, start, `SERVICE_VALUES`.

    The service buckets of a window no hour or day bucket starts in: those of
    `service_buckets_in`, unsummed, as each is the one of its service and start. With
    `services`, only theirs.
    """
    table = service_buckets
    return (
        select(table.c.service, table.c.start, *_columns(table, SERVICE_VALUES))
        .where(*window(table, start_s, end_s))
        .where(*([] if services is None else [table.c.service.in_(services)]))
    )


def bucket_range() -> Query:
    """The first and last bucket start of any kind and tier (NULLs when empty)."""
    starts = union_all(
        *(
            select(
                func.min(table.c.start).label("low"), func.max(table.c.start).label("high")
            ).where(*window(table, None, None))
            for table in (*EDGE_TIERS, *SERVICE_TIERS)
        )
    ).subquery()
    return select(func.min(starts.c.low), func.max(starts.c.high))


def buckets_held(
    start_s: int | None, end_s: int | None, tiers: tuple[Table, ...] | None = None
) -> Query:
    """Whether any edge or service bucket (of `tiers`, else of any) starts in the window."""
    tables = (*EDGE_TIERS, *SERVICE_TIERS) if tiers is None else tiers
    return select(
        or_(*(exists(table.select().where(*window(table, start_s, end_s))) for table in tables))
    )


def edge_minutes_in(
    start_s: int, end_s: int, touching: Names = None, values: tuple[str, ...] = EDGE_VALUES
) -> Query:
    """Per minute edge bucket, in no order: parent, child, start, `values`.

    The edge buckets of a window no hour or day bucket starts in: those of
    `edge_buckets_in` (with `TIMING_VALUES`, of `edge_timings_in`), unsummed, as each is
    the one of its edge and start. With `touching`, only the edges into or out of those
    nodes.
    """
    table = edge_buckets
    return (
        select(table.c.parent, table.c.child, table.c.start, *_columns(table, values))
        .where(*window(table, start_s, end_s))
        .where(*_touching(table, touching))
    )


def all_nodes() -> Query:
    """Every node: name, kind, virtual."""
    return select(nodes.c.name, nodes.c.kind, nodes.c.virtual).order_by(nodes.c.name)


def latest_imports(limit: int) -> Query:
    """The last `limit` imports, newest first."""
    return select(imports).order_by(imports.c.id.desc()).limit(limit)


def last_import_of(source: str) -> Query:
    """When `source` last imported, as the newest line of the import log names it."""
    return (
        select(imports.c.at)
        .where(imports.c.source == source)
        .order_by(imports.c.id.desc())
        .limit(1)
    )


def _edges_in(
    start_s: int | None,
    end_s: int | None,
    values: tuple[str, ...] = EDGE_VALUES,
    touching: Names = None,
) -> Subquery:
    """The edge buckets of every tier starting in the window: parent, child, start, values.

    With `touching`, only the edges into or out of those nodes.
    """
    return union_all(
        *(
            select(table.c.parent, table.c.child, table.c.start, *_columns(table, values))
            .where(*window(table, start_s, end_s))
            .where(*_touching(table, touching))
            for table in EDGE_TIERS
        )
    ).subquery()


def _touching(table: Table, touching: Names) -> list[ColumnElement[bool]]:
    """Conditions picking the edges into or out of `touching`; none for every edge."""
    if touching is None:
        return []
    return [or_(table.c.parent.in_(touching), table.c.child.in_(touching))]


def _services_in(start_s: int | None, end_s: int | None, services: Names = None) -> Subquery:
    """The service buckets of every tier starting in the window: service, start, values.

    With `services`, only theirs.
    """
    return union_all(
        *(
            select(table.c.service, table.c.start, *_columns(table, SERVICE_VALUES))
            .where(*window(table, start_s, end_s))
            .where(*([] if services is None else [table.c.service.in_(services)]))
            for table in SERVICE_TIERS
        )
    ).subquery()


def _summed(source: FromClause, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    # Postgres sums BIGINT into NUMERIC; cast back so that Python sees ints, not Decimals.
    return [cast(func.sum(source.c[name]), source.c[name].type).label(name) for name in names]


def _columns(source: FromClause, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    return [source.c[name] for name in names]
