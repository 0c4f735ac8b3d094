"""Storing logs and metrics evidence: counts per minute, templates, metric means, drops.

Each call runs in the caller's transaction. On Postgres it first locks the tables that
decide what is new (records seen, templates, metric names), so concurrent imports take
turns there and a record is counted once, a template id given once; SQLite writers take
turns anyway. Records seen before are left out before template mining.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Table, select, text, tuple_
from sqlalchemy.engine import Connection

from bot.adapters.store import writes
from bot.adapters.store.inserts import insert_for
from bot.adapters.store.keys import pack, unpack
from bot.adapters.store.schema import (
    LOG_LEVEL_COLUMNS,
    log_minutes,
    log_template_minutes,
    log_templates,
    metric_minutes,
    metric_names,
    seen_logs,
    signal_drops,
)
from topology.signals.model import LogRecord, MetricPoint
from topology.signals.severity import LEVELS

FOLDED = "log_records_folded"
"""`signal_drops.what` of log records counted under the other template, past the cap."""
DROPPED = "metric_points_dropped"
"""`signal_drops.what` of metric points dropped, their metric past the cap of names."""

if TYPE_CHECKING:
    from topology.signals.templates import TemplateBook

_KEYS_PER_QUERY = 400
_T = TypeVar("_T")
_COLUMN_OF = dict(zip(LEVELS, LOG_LEVEL_COLUMNS, strict=True))


@dataclass(frozen=True, slots=True)
class LogsStored:
    """What storing log records did."""

    records: int
    """Records counted (not seen before)."""
    duplicates: int
    """Records seen before (or twice in the batch), not counted again."""
    templates: int
    """Templates created or generalised."""
    folded: int
    """Records counted under the other template, past the cap."""


@dataclass(frozen=True, slots=True)
class MetricsStored:
    """What storing metric points did."""

    points: int
    """Points stored."""
    dropped: int
    """Points dropped, their metric being past the cap of names of its service."""


def store_logs(
    connection: Connection,
    records: Sequence[LogRecord],
    *,
    cap: int,
    book: TemplateBook | None = None,
) -> LogsStored:
    """Count the records not seen before, by level and template, per service and minute.

    `book` (kept between calls, used by one call at a time) remembers the miners of the
    services last seen; without one, every service is mined afresh from its stored templates.
    """
    if not records:
        return LogsStored(0, 0, 0, 0)
    _lock(connection, seen_logs, log_templates, signal_drops)
    by_minute: dict[tuple[str, int], list[LogRecord]] = defaultdict(list)
    for record in records:
        by_minute[record.service, record.minute].append(record)
    seen = _seen(connection, sorted(by_minute))
    fresh: list[LogRecord] = []
    seen_rows: list[dict[str, Any]] = []
    for key, group in sorted(by_minute.items()):
        digests = seen.get(key, set())
        before = len(digests)
        for record in group:
            if record.digest not in digests:
                digests.add(record.digest)
                fresh.append(record)
        if len(digests) > before:
            seen_rows.append({"service": key[0], "start": key[1], "digests": pack(sorted(digests))})
    # drain3 takes a tenth of a second to import: only storing logs needs it.
    from topology.signals import templates as mining  # noqa: PLC0415 - drain3 only when logs are written

    services = {record.service for record in fresh}
    book = book or mining.TemplateBook(cap=cap)
    book.follow(_templates(connection, services), services, cap=cap)
    levels: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    templates: Counter[tuple[str, int, int]] = Counter()
    template_of = book.template_of
    fresh.sort(key=attrgetter("service"))  # one service's miner at a time
    for record in fresh:
        levels[record.service, record.minute][_COLUMN_OF[record.level]] += 1
        templates[record.service, record.minute, template_of(record.service, record.body)] += 1
    _upsert(connection, seen_logs, seen_rows, ("digests",))
    changed = dict(book.changed)
    changed.update({(service, mining.OTHER_ID): mining.OTHER_TEXT for service in book.folded})
    _upsert(
        connection,
        log_templates,
        [{"service": s, "id": i, "text": t} for (s, i), t in sorted(changed.items())],
        ("text",),
    )
    writes.add_sums(
        connection,
        log_minutes,
        [
            {"service": service, "start": minute} | {c: counts[c] for c in LOG_LEVEL_COLUMNS}
            for (service, minute), counts in sorted(levels.items())
        ],
    )
    writes.add_sums(
        connection,
        log_template_minutes,
        [
            {"service": service, "start": minute, "template": template, "count": count}
            for (service, minute, template), count in sorted(templates.items())
        ],
    )
    _add_drops(connection, FOLDED, book.folded)
    folded = sum(book.folded.values())
    return LogsStored(len(fresh), len(records) - len(fresh), len(book.changed), folded)


def template_book(cap: int) -> TemplateBook:
    """An empty book of log templates, to keep between calls of `store_logs`."""
    from topology.signals.templates import TemplateBook  # noqa: PLC0415 - see store_logs

    return TemplateBook(cap=cap)


def store_metrics(
    connection: Connection, points: Sequence[MetricPoint], *, cap: int, replace: bool = False
) -> MetricsStored:
    """Add the points onto their minute's sum and count, keeping at most `cap` names a service.

    With `replace`, the points of a service's metric in a minute take the place of what was
    stored there (a source asked for the same minute again), rather than adding to it.
    """
    if not points:
        return MetricsStored(0, 0)
    _lock(connection, metric_names, signal_drops)
    services = {point.service for point in points}
    ids: dict[str, dict[str, int]] = defaultdict(dict)
    for names in _batches(sorted(services)):
        query = select(metric_names).where(metric_names.c.service.in_(names))
        for service, metric_id, name in connection.execute(query):
            ids[service][name] = int(metric_id)
    new_names: list[dict[str, Any]] = []
    sums: dict[tuple[str, int, int], list[float]] = {}
    dropped: Counter[str] = Counter()
    for point in points:
        known = ids[point.service]
        metric_id = known.get(point.name)
        if metric_id is None:
            if len(known) >= cap:
                dropped[point.service] += 1
                continue
            metric_id = known[point.name] = max(known.values(), default=0) + 1
            new_names.append({"service": point.service, "id": metric_id, "name": point.name})
        total = sums.setdefault((point.service, metric_id, point.minute), [0.0, 0])
        total[0] += point.value
        total[1] += 1
    if new_names:
        connection.execute(metric_names.insert(), new_names)
    rows = [
        {"service": s, "metric": m, "start": t, "total": total, "points": int(count)}
        for (s, m, t), (total, count) in sorted(sums.items())
    ]
    if replace:
        _upsert(connection, metric_minutes, rows, ("total", "points"))
    else:
        writes.add_sums(connection, metric_minutes, rows)
    _add_drops(connection, DROPPED, dropped)
    lost = sum(dropped.values())
    return MetricsStored(len(points) - lost, lost)


def _seen(
    connection: Connection, keys: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], set[int]]:
    found: dict[tuple[str, int], set[int]] = {}
    table = seen_logs
    for chunk in _batches(keys):
        query = select(table.c.service, table.c.start, table.c.digests).where(
            tuple_(table.c.service, table.c.start).in_(chunk)
        )
        for service, start, digests in connection.execute(query):
            found[service, int(start)] = set(unpack(digests))
    return found


def _templates(connection: Connection, services: Iterable[str]) -> dict[str, dict[int, str]]:
    found: dict[str, dict[int, str]] = defaultdict(dict)
    for names in _batches(sorted(services)):
        query = select(log_templates).where(log_templates.c.service.in_(names))
        for service, template_id, template in connection.execute(query):
            found[service][int(template_id)] = template
    return found


def _add_drops(connection: Connection, what: str, counts: Counter[str]) -> None:
    rows = [{"service": s, "what": what, "count": n} for s, n in sorted(counts.items()) if n]
    writes.add_sums(connection, signal_drops, rows)


def _upsert(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], replaced: tuple[str, ...]
) -> None:
    """Insert rows, replacing the `replaced` columns of a row already there."""
    if not rows:
        return
    statement = insert_for(connection, table)
    keys = [column.name for column in table.primary_key]
    values = {column: statement.excluded[column] for column in replaced}
    connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=values), rows)


def _lock(connection: Connection, *tables: Table) -> None:
    if connection.dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        connection.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))


def _batches(items: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for begin in range(0, len(items), _KEYS_PER_QUERY):
        yield items[begin : begin + _KEYS_PER_QUERY]
