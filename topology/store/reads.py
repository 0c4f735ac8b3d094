"""The queries behind the store's answers: sums and series over a window of buckets."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, FromClause, Select, Table, cast, func, select, union_all

from topology.store.rows import EDGE_VALUES, SERVICE_VALUES
from topology.store.schema import edge_buckets, imports, nodes, service_buckets

Query: TypeAlias = Select[*tuple[Any, ...]]
"""A select of any number of columns of any type."""


def window(
    table: Table, start_s: int | None, end_s: int | None, resolution: int
) -> list[ColumnElement[bool]]:
    """Conditions picking the buckets of `resolution` with `start_s <= start < end_s`."""
    conditions = [table.c.resolution == resolution]
    if start_s is not None:
        conditions.append(table.c.start >= start_s)
    if end_s is not None:
        conditions.append(table.c.start < end_s)
    return conditions


def edge_sums(start_s: int | None, end_s: int | None, resolution: int) -> Query:
    """Per edge: parent, child, child's kind, then the `EDGE_VALUES` summed over the window."""
    table = edge_buckets
    summed = (
        select(table.c.parent, table.c.child, *_summed(table, EDGE_VALUES))
        .where(*window(table, start_s, end_s, resolution))
        .group_by(table.c.parent, table.c.child)
        .subquery()
    )
    return (
        select(summed.c.parent, summed.c.child, nodes.c.kind, *_columns(summed, EDGE_VALUES))
        .select_from(summed.outerjoin(nodes, nodes.c.name == summed.c.child))
        .order_by(summed.c.parent, summed.c.child)
    )


def edge_buckets_in(start_s: int | None, end_s: int | None, resolution: int) -> Query:
    """Per edge bucket, in time order: parent, child, child's kind, start, `EDGE_VALUES`."""
    table = edge_buckets
    return (
        select(table.c.parent, table.c.child, nodes.c.kind, table.c.start)
        .add_columns(*_columns(table, EDGE_VALUES))
        .select_from(table.outerjoin(nodes, nodes.c.name == table.c.child))
        .where(*window(table, start_s, end_s, resolution))
        .order_by(table.c.parent, table.c.child, table.c.start)
    )


def service_sums(start_s: int | None, end_s: int | None, resolution: int) -> Query:
    """Per service: its name, then the `SERVICE_VALUES` summed over the window."""
    table = service_buckets
    return (
        select(table.c.service, *_summed(table, SERVICE_VALUES))
        .where(*window(table, start_s, end_s, resolution))
        .group_by(table.c.service)
        .order_by(table.c.service)
    )


def service_buckets_in(start_s: int | None, end_s: int | None, resolution: int) -> Query:
    """Per service bucket, in time order: service, start, `SERVICE_VALUES`."""
    table = service_buckets
    return (
        select(table.c.service, table.c.start, *_columns(table, SERVICE_VALUES))
        .where(*window(table, start_s, end_s, resolution))
        .order_by(table.c.service, table.c.start)
    )


def bucket_range(resolution: int) -> Query:
    """The first and last bucket start of either kind of bucket (NULLs when empty)."""
    starts = union_all(
        *(
            select(
                func.min(table.c.start).label("low"), func.max(table.c.start).label("high")
            ).where(table.c.resolution == resolution)
            for table in (edge_buckets, service_buckets)
        )
    ).subquery()
    return select(func.min(starts.c.low), func.max(starts.c.high))


def all_nodes() -> Query:
    """Every node: name, kind, virtual."""
    return select(nodes.c.name, nodes.c.kind, nodes.c.virtual).order_by(nodes.c.name)


def latest_imports(limit: int) -> Query:
    """The last `limit` imports, newest first."""
    return select(imports).order_by(imports.c.id.desc()).limit(limit)


def _summed(table: Table, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    # Postgres sums BIGINT into NUMERIC; cast back so that Python sees ints, not Decimals.
    return [cast(func.sum(table.c[name]), table.c[name].type).label(name) for name in names]


def _columns(source: FromClause, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    return [source.c[name] for name in names]
