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

from topology.signals.severity import LEVELS
from topology.store.reads import name_chunks
from topology.store.schema import (
    LOG_LEVEL_COLUMNS,
    MINUTE,
    log_minutes,
    log_template_minutes,
    log_templates,
    metric_minutes,
    metric_names,
    signal_drops,
)

if TYPE_CHECKING:
    from topology.rca.snapshot import Series

LEVEL_KEY = "level:"
"""Prefix of a log series counting the records of one severity (`level:ERROR`)."""
TEMPLATE_KEY = "template:"
"""Prefix of a log series counting the records of one template (`template:<text>`)."""

_Counts = dict[str, dict[str, dict[int, float]]]


def minute_starts(start: int, end: int) -> tuple[float, ...]:
    """Every minute start `m` with `start <= m <= end`."""
    first = -(-start // MINUTE) * MINUTE
    return tuple(float(minute) for minute in range(first, end + 1, MINUTE))


def log_series(
    connection: Connection, services: Collection[str] | None, start: int, end: int
) -> dict[str, Series]:
    """Per service: `level:<LEVEL>` and `template:<text>` counts per minute, 0 where none."""
    counts: _Counts = defaultdict(lambda: defaultdict(dict))
    for names in name_chunks(services):
        rows = connection.execute(
            select(log_minutes).where(*_within(log_minutes, names, start, end))
        )
        for row in rows:
            minute = int(row.start)
            for level, column in zip(LEVELS, LOG_LEVEL_COLUMNS, strict=True):
                value = row._mapping[column]
                if value:
                    counts[row.service][LEVEL_KEY + level][minute] = float(value)
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
        for service, minute, text, count in connection.execute(query):
            series = counts[service][TEMPLATE_KEY + text]
            series[int(minute)] = series.get(int(minute), 0.0) + float(count)
    return _series(counts, start, end, missing=0.0)


def metric_series(
    connection: Connection, services: Collection[str] | None, start: int, end: int
) -> dict[str, Series]:
    """Per service: each metric's mean value per minute, under its name; None where none."""
    counts: _Counts = defaultdict(lambda: defaultdict(dict))
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
        for service, name, minute, total, points in connection.execute(query):
            if points:
                counts[service][name][int(minute)] = float(total) / int(points)
    return _series(counts, start, end, missing=None)


def drops(connection: Connection) -> dict[str, dict[str, int]]:
    """Per service: how many log records were folded and metric points dropped at the caps."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for service, what, count in connection.execute(select(signal_drops)):
        found[service][what] = int(count)
    return dict(found)


def _series(counts: _Counts, start: int, end: int, *, missing: float | None) -> dict[str, Series]:
    from topology.rca.snapshot import Series  # noqa: PLC0415 - loads ranking: rca only

    t = minute_starts(start, end)
    return {
        service: Series(
            t,
            {
                key: tuple(values.get(int(minute), missing) for minute in t)
                for key, values in sorted(metrics.items())
            },
        )
        for service, metrics in sorted(counts.items())
        if metrics
    }


def _within(
    table: Table, services: Sequence[str] | None, start: int, end: int
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [table.c.start >= start, table.c.start <= end]
    if services is not None:
        conditions.append(table.c.service.in_(services))
    return conditions
