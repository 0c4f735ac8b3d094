"""The queries behind the store's answers: sums and series over a window of buckets.

Every query reads all three tiers (minutes, hours, days): a compaction moves buckets
from one tier to the next, so each call is counted in exactly one of them, and a window
reaching back past the minutes kept is answered from the hours or days there. A coarse
bucket belongs to a window when it starts in it, as a minute does.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    Table,
    cast,
    func,
    select,
    union_all,
)

from topology.store.rows import EDGE_VALUES, INCOMING_VALUES, SERVICE_VALUES
from topology.store.schema import (
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

Query: TypeAlias = Select[*tuple[Any, ...]]
"""A select of any number of columns of any type."""

EDGE_TIERS = (edge_buckets, edge_hours, edge_days)
"""The edge bucket tables, finest first."""
SERVICE_TIERS = (service_buckets, service_hours, service_days)
"""The service bucket tables, finest first."""


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


def edge_sums(start_s: int | None, end_s: int | None) -> Query:
    """Per edge: parent, child, child's kind, then the `EDGE_VALUES` summed over the window."""
    tiers = _edges_in(start_s, end_s)
    summed = (
        select(tiers.c.parent, tiers.c.child, *_summed(tiers, EDGE_VALUES))
        .group_by(tiers.c.parent, tiers.c.child)
        .subquery()
    )
    return (
        select(summed.c.parent, summed.c.child, nodes.c.kind, *_columns(summed, EDGE_VALUES))
        .select_from(summed.outerjoin(nodes, nodes.c.name == summed.c.child))
        .order_by(summed.c.parent, summed.c.child)
    )


def edge_buckets_in(start_s: int | None, end_s: int | None) -> Query:
    """Per edge bucket, in time order: parent, child, child's kind, start, `EDGE_VALUES`.

    Buckets of two tiers starting at the same second (minutes imported late into an hour
    already compacted) come summed, as one.
    """
    tiers = _edges_in(start_s, end_s)
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


def incoming_buckets_in(start_s: int | None, end_s: int | None) -> Query:
    """The edge buckets into each node that served nothing in the window, from other nodes.

    Per bucket of any tier, ordered by child, start and parent: child, start, parent,
    `INCOMING_VALUES`. A bucket of two tiers starting at the same second comes twice.
    """
    served = select(_services_in(start_s, end_s).c.service)
    tiers = union_all(
        *(
            select(table.c.child, table.c.start, table.c.parent, *_columns(table, INCOMING_VALUES))
            .where(*window(table, start_s, end_s))
            .where(table.c.parent != table.c.child, table.c.child.not_in(served))
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


def service_buckets_in(start_s: int | None, end_s: int | None) -> Query:
    """Per service bucket, in time order: service, start, `SERVICE_VALUES` (tiers summed)."""
    tiers = _services_in(start_s, end_s)
    return (
        select(tiers.c.service, tiers.c.start, *_summed(tiers, SERVICE_VALUES))
        .group_by(tiers.c.service, tiers.c.start)
        .order_by(tiers.c.service, tiers.c.start)
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


def _edges_in(start_s: int | None, end_s: int | None) -> Subquery:
    """The edge buckets of every tier starting in the window: parent, child, start, values."""
    return union_all(
        *(
            select(
                table.c.parent, table.c.child, table.c.start, *_columns(table, EDGE_VALUES)
            ).where(*window(table, start_s, end_s))
            for table in EDGE_TIERS
        )
    ).subquery()


def _services_in(start_s: int | None, end_s: int | None) -> Subquery:
    """The service buckets of every tier starting in the window: service, start, values."""
    return union_all(
        *(
            select(table.c.service, table.c.start, *_columns(table, SERVICE_VALUES)).where(
                *window(table, start_s, end_s)
            )
            for table in SERVICE_TIERS
        )
    ).subquery()


def _summed(source: FromClause, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    # Postgres sums BIGINT into NUMERIC; cast back so that Python sees ints, not Decimals.
    return [cast(func.sum(source.c[name]), source.c[name].type).label(name) for name in names]


def _columns(source: FromClause, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    return [source.c[name] for name in names]
