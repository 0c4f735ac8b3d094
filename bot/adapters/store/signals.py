"""Reading logs and metrics evidence back: per service, a series of one value per minute.

`log_series` and `metric_series` answer the `Series` of `topology.rca.snapshot` for the
services asked (all when None) over the minutes starting in `[start, end]`; only the
services with some data in that range appear. Both read by the tables' primary keys
(service first, then minute), so a few services of a large store answer fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Table, and_, select
from sqlalchemy.engine import Connection

from bot.adapters.store.reads import name_chunks
from bot.adapters.store.schema import (
    LOG_LEVEL_COLUMNS,
    log_minutes,
    log_template_minutes,
    log_templates,
    metric_minutes,
    metric_names,
    signal_drops,
)
from bot.adapters.store.signal_rows import (
    LEVEL_KEY,
    TEMPLATE_KEY,
    add_levels,
    add_means,
    add_templates,
    minute_starts,
    new_counts,
    series_of,
)

if TYPE_CHECKING:
    from topology.rca.snapshot import Series

__all__ = ["LEVEL_KEY", "TEMPLATE_KEY", "drops", "log_series", "metric_series", "minute_starts"]


def log_series(
    connection: Connection, services: Collection[str] | None, start: int, end: int
) -> dict[str, Series]:
    """Per service: `level:<LEVEL>` and `template:<text>` counts per minute, 0 where none."""
    counts = new_counts()
    levels = (
        log_minutes.c.service,
        log_minutes.c.start,
        *(log_minutes.c[c] for c in LOG_LEVEL_COLUMNS),
    )
    for names in name_chunks(services):
        add_levels(
            counts,
            connection.execute(select(*levels).where(*_within(log_minutes, names, start, end))),
        )
        table, names_table = log_template_minutes, log_templates
        query = (
            select(table.c.service, table.c.start, names_table.c.text, table.c.count)
            .join(
                names_table,
                and_(
                    names_table.c.service == table.c.service, names_table.c.id == table.c.template
                ),
            )
            .where(*_within(table, names, start, end))
        )
        add_templates(counts, connection.execute(query))
    return series_of(counts, start, end, missing=0.0)


def metric_series(
    connection: Connection, services: Collection[str] | None, start: int, end: int
) -> dict[str, Series]:
    """Per service: each metric's mean value per minute, under its name; None where none."""
    counts = new_counts()
    table, names_table = metric_minutes, metric_names
    for names in name_chunks(services):
        query = (
            select(table.c.service, names_table.c.name, table.c.start, table.c.total)
            .add_columns(table.c.points)
            .join(
                names_table,
                and_(names_table.c.service == table.c.service, names_table.c.id == table.c.metric),
            )
            .where(*_within(table, names, start, end))
        )
        add_means(counts, connection.execute(query))
    return series_of(counts, start, end, missing=None)


def drops(connection: Connection) -> dict[str, dict[str, int]]:
    """Per service: how many log records were folded and metric points dropped at the caps."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for service, what, count in connection.execute(select(signal_drops)):
        found[service][what] = int(count)
    return dict(found)


def _within(
    table: Table, services: Sequence[str] | None, start: int, end: int
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [table.c.start >= start, table.c.start <= end]
    if services is not None:
        conditions.append(table.c.service.in_(services))
    return conditions
