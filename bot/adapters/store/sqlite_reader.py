"""The map of a SQLite store read with the standard library's sqlite3: no SQLAlchemy loaded.

For questions only: the file is opened read-only, and only when it is at the newest
schema revision (`open_reader` returns None otherwise, and the SQLAlchemy store answers).
The statements are those of `bot.adapters.store.reads`, written out for SQLite.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.adapters.store.columns import LOG_LEVEL_COLUMNS, MINUTE
from bot.adapters.store.incident_rows import IncidentRecord, teams_by_incident
from bot.adapters.store.ports import EdgeSeries, ServiceSeries, SourceState
from bot.adapters.store.revisions import VERSION_TABLE, head_revision
from bot.adapters.store.rows import (
    CALL_VALUES,
    EDGE_VALUES,
    INCOMING_VALUES,
    SERVICE_VALUES,
    edge_counts,
    edge_pair,
    edge_stats,
    in_time_order,
    incoming_series,
    pairs_of,
    service_stats,
    timings_and_incoming,
    timings_in_order,
)
from bot.adapters.store.signal_rows import (
    add_levels,
    add_means,
    add_templates,
    new_counts,
    series_of,
)
from topology.errors import StoreError
from topology.incidents.feedback import Feedback
from topology.model import NodeKind
from topology.stats import TIMING_VALUES, EdgeStats, EdgeTiming, Node, ServiceStats

if TYPE_CHECKING:
    from topology.rca.minute_columns import Minutes
    from topology.rca.snapshot import Series

SQLITE_PREFIX = "sqlite:///"
"""How a database URL names a SQLite file."""
FLOATS = frozenset({"lat_sum_ms", "client_sum_ms", "server_sum_ms"})
"""The summed columns holding milliseconds as floating point; the others count."""
EDGE_TIERS = (("edge_buckets", True), ("edge_hours", False), ("edge_days", False))
"""The edge bucket tables, finest first, and whether theirs is the `resolution` column."""
SERVICE_TIERS = (("service_buckets", True), ("service_hours", False), ("service_days", False))
"""The service bucket tables, finest first, and whether theirs is the `resolution` column."""


_FROM = "start >= coalesce(:start, -9223372036854775808)"
"""Buckets from :start, or from the first when it is NULL.

Written so, and not `(:start IS NULL OR start >= :start)`, the bound is a range on the
`start` index: with the OR, SQLite walks every minute the store keeps (two days by
default) to answer a question about an hour and a quarter."""
_UNTIL = "start < coalesce(:end, 9223372036854775807)"
"""Buckets before :end, or all when it is NULL (no bucket starts at the largest integer)."""


def _window(table: str, *, minutes: bool) -> str:
    """The condition picking a window's buckets of `table`: parameters :start and :end."""
    conditions = [f"{table}.resolution = {MINUTE}"] if minutes else []
    conditions += [_FROM, _UNTIL]
    return " AND ".join(conditions)


def _summed(names: tuple[str, ...]) -> str:
    # SUM of integers stays an integer in SQLite; the casts match the store's own reads.
    return ", ".join(
        f"CAST(sum({name}) AS {'REAL' if name in FLOATS else 'INTEGER'}) AS {name}"
        for name in names
    )


def _union(
    tiers: tuple[tuple[str, bool], ...], keys: str, values: tuple[str, ...], only: str = ""
) -> str:
    """Every tier's buckets in the window (`only`: and that condition), unioned."""
    columns = ", ".join((keys, "start", *values))
    condition = f" AND {only}" if only else ""
    return " UNION ALL ".join(
        f"SELECT {columns} FROM {table} WHERE {_window(table, minutes=minutes)}{condition}"  # noqa: S608 - names of the schema, values bound
        for table, minutes in tiers
    )


def _named(column: str) -> str:
    """The condition keeping the rows whose `column` is a name of :names (a JSON list), if any.

    Marked as a condition on :names (`_written`): a read of every name leaves it out.
    """
    return _asking(_in_names(column))


def _filtered(column: str) -> str:
    """`_named`, unmarked: SQLite then reads the window through the `start` index.

    For a table whose key puts another column between the name and `start` (the metric
    minutes), where a seek by name would read the name's whole history.
    """
    return f"(:names IS NULL OR {_in_names(column)})"


def _in_names(column: str) -> str:
    """The condition that `column` is a name of :names (a JSON list)."""
    return f"{column} IN (SELECT value FROM json_each(:names))"  # noqa: S608 - names of the schema, values bound


def _asking(condition: str) -> str:
    """`condition` on :names, marked: kept when names are asked for, else left out (`_written`)."""
    return f"[[{condition}]]"


_ASKING = re.compile(r"\[\[.*?\]\]")
"""A marked condition on :names (`_asking`); they are never nested."""


@lru_cache(maxsize=256)
def _written(statement: str, *, named: bool) -> str:
    """`statement` as run: each condition on :names kept for some names, else left out.

    A read of every name binds :names to NULL. Written `(:names IS NULL OR name IN ...)`,
    the condition would keep SQLite from the index that leads with the names' column:
    a read of a few services, or of the calls into a few nodes, would walk every bucket
    of the window instead of seeking each name's (0.2 s against 1 ms for the calls into
    one node on the bench's 5,000-service store).
    """
    if named:
        return statement.replace("[[", "(").replace("]]", ")")
    return _ASKING.sub("1", statement)


# S608 below: every name in these statements is the schema's own, every value a bound parameter.
_EDGE_COLUMNS = ", ".join(f"summed.{name}" for name in EDGE_VALUES)
_ALL_TIERS = (*EDGE_TIERS, *SERVICE_TIERS)

_KIND = "(SELECT kind FROM nodes WHERE nodes.name = tiers.child)"
"""The child's kind, looked up per edge: joined on after the grouping, SQLite would sort
every edge a second time (on 50,000 edges compacted into days, 0.85 s against 0.55 s)."""
EDGE_SUMS = (
    f"SELECT parent, child, {_KIND}, {_summed(EDGE_VALUES)}"  # noqa: S608 - names of the schema, values bound
    f" FROM ({_union(EDGE_TIERS, 'parent, child', EDGE_VALUES)}) AS tiers"
    " GROUP BY parent, child ORDER BY parent, child"
)
EDGE_CALL_SUMS = (
    f"SELECT parent, child, {_KIND}, {_summed(CALL_VALUES)}"  # noqa: S608 - names of the schema, values bound
    f" FROM ({_union(EDGE_TIERS, 'parent, child', CALL_VALUES)}) AS tiers"
    " GROUP BY parent, child ORDER BY parent, child"
)
"""`EDGE_SUMS` of the calls and errors alone: no latency on either side."""
MINUTE_EDGE_CALL_SUMS = (
    "SELECT parent, child, (SELECT kind FROM nodes WHERE nodes.name = edge_buckets.child),"  # noqa: S608 - names of the schema, values bound
    f" {_summed(CALL_VALUES)} FROM edge_buckets"
    f" WHERE resolution = {MINUTE} AND start >= :start AND {_UNTIL}"
    " GROUP BY parent, child ORDER BY parent, child"
)
"""`EDGE_CALL_SUMS` of a window from :start no hour or day bucket starts in: the minutes alone."""
MINUTE_EDGE_PAIRS = (
    # Each caller, then each of its callees, found by a seek along the table's key: some
    # 15,000 seeks for 10,000 edges, where grouping the window's minutes sorts them all
    # (70 ms against 460 ms for 75 minutes of 10,000 edges).
    "WITH RECURSIVE callers(parent) AS ("  # noqa: S608 - names of the schema, values bound
    " SELECT min(parent) FROM edge_buckets"
    " UNION ALL SELECT (SELECT min(parent) FROM edge_buckets WHERE parent > callers.parent)"
    " FROM callers WHERE callers.parent IS NOT NULL),"
    " pairs(parent, child) AS ("
    " SELECT parent,"
    " (SELECT min(child) FROM edge_buckets WHERE edge_buckets.parent = callers.parent)"
    " FROM callers WHERE parent IS NOT NULL"
    " UNION ALL SELECT parent, (SELECT min(child) FROM edge_buckets"
    " WHERE edge_buckets.parent = pairs.parent AND edge_buckets.child > pairs.child)"
    " FROM pairs WHERE child IS NOT NULL)"
    " SELECT parent, child, (SELECT kind FROM nodes WHERE nodes.name = pairs.child) FROM pairs"
    " WHERE child IS NOT NULL AND EXISTS (SELECT 1 FROM edge_buckets AS minute"
    " WHERE minute.parent = pairs.parent AND minute.child = pairs.child"
    f" AND minute.resolution = {MINUTE} AND minute.start >= :start"
    " AND minute.start < coalesce(:end, 9223372036854775807))"
    " ORDER BY parent, child"
)
"""The edges with a minute bucket in a window from :start no hour or day bucket starts in,
and their callees' kinds: what `MINUTE_EDGE_CALL_SUMS` groups, without the sums."""
_MINUTE_SUMS = (
    "SELECT parent, child, (SELECT kind FROM nodes WHERE nodes.name = edge_buckets.child),"  # noqa: S608 - names of the schema, values bound
    f" {_summed(EDGE_VALUES)} FROM edge_buckets WHERE {{}}"
    " GROUP BY parent, child ORDER BY parent, child"
)
MINUTE_EDGE_SUMS = _MINUTE_SUMS.format(f"resolution = {MINUTE} AND start >= :start AND {_UNTIL}")
"""`EDGE_SUMS` of a window from :start no hour or day bucket starts in: the minutes alone."""
EARLY_MINUTE_EDGE_SUMS = _MINUTE_SUMS.format(
    # Not an indexed column once added to: the table's key order serves the grouping.
    f"resolution + 0 = {MINUTE} AND (:end IS NULL OR start < :end)"
)
"""`MINUTE_EDGE_SUMS` with no start: every minute before :end, grouped in key order."""
_COARSE_CHECKS = [
    f"EXISTS (SELECT 1 FROM {table} WHERE {_window(table, minutes=minutes)})"  # noqa: S608 - names of the schema, values bound
    for table, minutes in EDGE_TIERS[1:]
]
_COARSE_EDGES = f"SELECT {' OR '.join(_COARSE_CHECKS)}"
"""Whether any hour or day edge bucket starts in the window."""
SERVICE_SUMS = (
    f"SELECT service, {_summed(SERVICE_VALUES)}"  # noqa: S608 - names of the schema, values bound
    f" FROM ({_union(SERVICE_TIERS, 'service', SERVICE_VALUES)})"
    " GROUP BY service ORDER BY service"
)
ALL_NODES = "SELECT name, kind, virtual FROM nodes ORDER BY name"

# The series ranking reads, as `bot.adapters.store.reads` and `.signals` read them.
_TOUCHING = _asking(f"{_in_names('parent')} OR {_in_names('child')}")
EDGE_BUCKETS = (
    f"SELECT summed.parent, summed.child, nodes.kind, summed.start, {_EDGE_COLUMNS}"  # noqa: S608 - names of the schema, values bound
    f" FROM (SELECT parent, child, start, {_summed(EDGE_VALUES)}"
    f" FROM ({_union(EDGE_TIERS, 'parent, child', EDGE_VALUES, _TOUCHING)})"
    " GROUP BY parent, child, start) AS summed"
    " LEFT OUTER JOIN nodes ON nodes.name = summed.child"
    " ORDER BY summed.parent, summed.child, summed.start"
)
"""Per edge bucket (into or out of :names), tiers summed, in time order."""
_SERVED = (
    f"SELECT service FROM ({_union(SERVICE_TIERS, 'service', SERVICE_VALUES, _named('service'))})"  # noqa: S608 - names of the schema, values bound
)
SERVICE_BUCKETS = (
    f"SELECT service, start, {_summed(SERVICE_VALUES)}"  # noqa: S608 - names of the schema, values bound
    f" FROM ({_union(SERVICE_TIERS, 'service', SERVICE_VALUES, _named('service'))})"
    " GROUP BY service, start ORDER BY service, start"
)
"""Per service bucket (of :names), tiers summed, in time order."""
INCOMING_BUCKETS = (
    "SELECT * FROM ("  # noqa: S608 - names of the schema, values bound
    + _union(
        EDGE_TIERS,
        "child",
        ("parent", *INCOMING_VALUES),
        f"parent != child AND child NOT IN ({_SERVED}) AND {_named('child')}",
    )
    + ") ORDER BY child, start, parent"
)
"""The edge buckets into each node (of :names) that served nothing in the window."""
SERVICE_MINUTES = (
    f"SELECT service, start, {', '.join(SERVICE_VALUES)} FROM service_buckets"  # noqa: S608 - names of the schema, values bound
    f" WHERE {_window('service_buckets', minutes=True)} AND {_named('service')}"
)
"""`SERVICE_BUCKETS` of a window no hour or day bucket starts in: the minutes, unsummed."""
EDGE_TIMINGS = (
    f"SELECT parent, child, start, {_summed(TIMING_VALUES)}"  # noqa: S608 - names of the schema, values bound
    f" FROM ({_union(EDGE_TIERS, 'parent, child', TIMING_VALUES, _TOUCHING)})"
    " GROUP BY parent, child, start ORDER BY parent, child, start"
)
"""Per edge bucket (into or out of :names), in time order: parent, child, start, the
`TIMING_VALUES`, tiers summed."""


def _edge_minutes(values: tuple[str, ...]) -> str:
    """Minute edge buckets (into or out of :names), in no order: parent, child, start, values."""
    return (
        f"SELECT parent, child, start, {', '.join(values)} FROM edge_buckets"  # noqa: S608 - names of the schema, values bound
        f" WHERE {_window('edge_buckets', minutes=True)} AND {_TOUCHING}"
    )


EDGE_TIMING_MINUTES = _edge_minutes(TIMING_VALUES)
"""`EDGE_TIMINGS` of a window no hour or day bucket starts in: the minutes, unsummed."""
EDGE_MINUTES = _edge_minutes(EDGE_VALUES)
"""The minute edge buckets, every value: what `calls_around` reads of a window of minutes."""
_COARSE_SERVICE_CHECKS = [
    f"EXISTS (SELECT 1 FROM {table} WHERE {_window(table, minutes=minutes)})"  # noqa: S608 - names of the schema, values bound
    for table, minutes in SERVICE_TIERS[1:]
]
_COARSE_SERVICES = f"SELECT {' OR '.join(_COARSE_SERVICE_CHECKS)}"
"""Whether any hour or day service bucket starts in the window."""
LOG_LEVELS = (
    f"SELECT service, start, {', '.join(LOG_LEVEL_COLUMNS)} FROM log_minutes"  # noqa: S608 - names of the schema, values bound
    f" WHERE start >= :start AND start <= :end AND {_named('service')}"
)
LOG_TEMPLATES = (
    "SELECT counted.service, counted.start, named.text, counted.count"  # noqa: S608 - names of the schema, values bound
    " FROM log_template_minutes AS counted JOIN log_templates AS named"
    " ON named.service = counted.service AND named.id = counted.template"
    " WHERE counted.start >= :start AND counted.start <= :end"
    f" AND {_named('counted.service')}"
)
METRIC_MEANS = (
    "SELECT measured.service, named.name, measured.start, measured.total, measured.points"  # noqa: S608 - names of the schema, values bound
    " FROM metric_minutes AS measured JOIN metric_names AS named"
    " ON named.service = measured.service AND named.id = measured.metric"
    " WHERE measured.start >= :start AND measured.start <= :end"
    f" AND {_filtered('measured.service')}"
)
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
LATEST_INCIDENTS = (
    "SELECT id, key, status, symptom, cause, severity, title, opened_at, resolved_at,"
    " merged_into, paged_team, note, receiver,"
    " (SELECT count(*) FROM incident_alerts WHERE incident_alerts.incident_id = incidents.id),"
    " snapshot IS NOT NULL, acknowledged_by, acknowledged_at"
    " FROM incidents ORDER BY id DESC LIMIT :limit"
)
"""The latest incidents, in the order of `IncidentRecord`'s fields; not their snapshots."""
INCIDENT_FIELDS = tuple(field.name for field in fields(IncidentRecord))
ANSWERS = (
    "SELECT incident_id, user_id, candidate, verdict, at FROM incident_feedback"
    " WHERE incident_id IN (SELECT value FROM json_each(:ids))"
    " ORDER BY incident_id, at, user_id, candidate"
)
PAGED_TEAMS = (
    "SELECT incident_id, team FROM pages"
    " WHERE incident_id IN (SELECT value FROM json_each(:ids))"
    " AND action = 'trigger' AND state != 'failed' AND team IS NOT NULL"
    " ORDER BY incident_id, id"
)
"""The teams each incident's pages went (or go) to, first paged first."""
SOURCE_STATES = (
    "SELECT name, high_water, last_success, last_error_at, last_error, spans FROM source_state"
)
REVISION = f"SELECT version_num FROM {VERSION_TABLE}"  # noqa: S608 - names of the schema, values bound


BATCH = 10_000
"""Rows fetched at a time by a read that goes through them once."""


class SqliteMapReader:
    """`MapStore` over one read-only sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection, name: str) -> None:
        self._connection = connection
        self._name = name

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """Every edge with its statistics summed over `start_s <= bucket start < end_s`."""
        window: dict[str, int | str | None] = {"start": start_s, "end": end_s}
        ((coarse,),) = self._rows(_COARSE_EDGES, window)
        if coarse:
            statement = EDGE_SUMS
        else:
            statement = EARLY_MINUTE_EDGE_SUMS if start_s is None else MINUTE_EDGE_SUMS
        found = self._rows(statement, window)
        return [edge_stats(row[0], row[1], row[2], row[3:]) for row in found]

    def edge_calls(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """As `edges`, with only the calls and errors summed: no latency on either side."""
        window: dict[str, int | str | None] = {"start": start_s, "end": end_s}
        ((coarse,),) = self._rows(_COARSE_EDGES, window)
        minutes = not coarse and start_s is not None
        found = self._rows(MINUTE_EDGE_CALL_SUMS if minutes else EDGE_CALL_SUMS, window)
        return [edge_counts(*row) for row in found]

    def edge_pairs(self, start_s: int, end_s: int) -> list[EdgeStats]:
        """Every edge with a bucket starting in the window, its callee's kind, nothing summed."""
        window: dict[str, int | str | None] = {"start": start_s, "end": end_s}
        ((coarse,),) = self._rows(_COARSE_EDGES, window)
        if coarse:
            return pairs_of(self.edge_calls(start_s, end_s))
        return [edge_pair(*row) for row in self._rows(MINUTE_EDGE_PAIRS, window)]

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

    def service_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        services: Collection[str] | None = None,
    ) -> ServiceSeries:
        """Per service (of `services`, if given), its served requests bucket by bucket.

        One read of the minutes, unsorted, when no hour or day bucket starts in the window.
        """
        asked = _asked(start_s, end_s, services)
        ((coarse,),) = self._rows(_COARSE_SERVICES, asked)
        series: ServiceSeries = {}
        for row in self._each(SERVICE_BUCKETS if coarse else SERVICE_MINUTES, asked):
            series.setdefault(row[0], []).append((row[1], service_stats(row[0], row[2:])))
        return series if coarse else in_time_order(series)

    def incoming_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        nodes: Collection[str] | None = None,
    ) -> ServiceSeries:
        """Per node (of `nodes`, if given) that served nothing in the window, the calls into it."""
        return incoming_series(self._rows(INCOMING_BUCKETS, _asked(start_s, end_s, nodes)))

    def edge_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        touching: Collection[str] | None = None,
    ) -> EdgeSeries:
        """Per edge (into or out of `touching`, if given), its statistics bucket by bucket."""
        series: EdgeSeries = {}
        for row in self._rows(EDGE_BUCKETS, _asked(start_s, end_s, touching)):
            stats = edge_stats(row[0], row[1], row[2], row[4:])
            series.setdefault((row[0], row[1]), []).append((row[3], stats))
        return series

    def edge_timings(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None = None
    ) -> dict[tuple[str, str], list[EdgeTiming]]:
        """Per edge (into or out of `touching`, if given), its `EdgeTiming` bucket by bucket.

        One read of the minutes, unsorted, when no hour or day bucket starts in the window.
        """
        asked = _asked(start_s, end_s, touching)
        ((coarse,),) = self._rows(_COARSE_EDGES, asked)
        timings: dict[tuple[str, str], list[EdgeTiming]] = {}
        for row in self._each(EDGE_TIMINGS if coarse else EDGE_TIMING_MINUTES, asked):
            timings.setdefault((row[0], row[1]), []).append(row[2:])
        return timings if coarse else timings_in_order(timings)

    def calls_around(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None, served: Collection[str]
    ) -> tuple[dict[tuple[str, str], list[EdgeTiming]], ServiceSeries]:
        """What ranking reads of the calls into or out of `touching` (None: of every node).

        The `edge_timings` of those edges, and the `incoming_series` of those nodes not in
        `served`: one read of the minutes, histograms and all, when no hour or day bucket
        starts in the window.
        """
        asked = _asked(start_s, end_s, touching)
        ((coarse,),) = self._rows(_COARSE_EDGES, asked)
        if coarse:
            idle = None if touching is None else [n for n in touching if n not in served]
            incoming = {} if idle == [] else self.incoming_series(start_s, end_s, nodes=idle)
            return self.edge_timings(start_s, end_s, touching=touching), incoming
        found: dict[tuple[str, str], list[Any]] = {}
        for row in self._rows(EDGE_MINUTES, asked):
            found.setdefault((row[0], row[1]), []).append(row)
        return timings_and_incoming(found, touching, served)

    def edge_minutes(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None, timings: bool = False
    ) -> Minutes | None:
        """What `calls_around` reads, as columns; None when an hour or day bucket starts in it."""
        from topology.rca.minute_columns import minute_columns  # noqa: PLC0415 - loads numpy

        asked = _asked(start_s, end_s, touching)
        ((coarse,),) = self._rows(_COARSE_EDGES, asked)
        if coarse:
            return None
        query, values = (
            (EDGE_TIMING_MINUTES, TIMING_VALUES) if timings else (EDGE_MINUTES, EDGE_VALUES)
        )
        return minute_columns([self._batches(query, asked)], values, keyed_by=2)

    def service_minutes(
        self, start_s: int, end_s: int, *, services: Collection[str] | None
    ) -> Minutes | None:
        """What `service_series` reads, as columns; None when an hour or day bucket starts in it."""
        from topology.rca.minute_columns import minute_columns  # noqa: PLC0415 - loads numpy

        asked = _asked(start_s, end_s, services)
        ((coarse,),) = self._rows(_COARSE_SERVICES, asked)
        if coarse:
            return None
        batches = self._batches(SERVICE_MINUTES, asked)
        return minute_columns([batches], SERVICE_VALUES, keyed_by=1)

    def log_series(
        self, services: Collection[str] | None, start: int, end: int
    ) -> dict[str, Series]:
        """Per service, log counts per minute by level and template."""
        counts = new_counts()
        asked = _asked(start, end, services)
        add_levels(counts, self._rows(LOG_LEVELS, asked))
        add_templates(counts, self._rows(LOG_TEMPLATES, asked))
        return series_of(counts, start, end, missing=0.0)

    def metric_series(
        self, services: Collection[str] | None, start: int, end: int
    ) -> dict[str, Series]:
        """Per service, each metric's mean value per minute; None where none."""
        counts = new_counts()
        add_means(counts, self._rows(METRIC_MEANS, _asked(start, end, services)))
        return series_of(counts, start, end, missing=None)

    def incidents(self, limit: int = 20) -> list[IncidentRecord]:
        """The latest incidents, newest first."""
        return [_incident(row) for row in self._rows(LATEST_INCIDENTS, {"limit": limit})]

    def answers(self, incident_ids: Sequence[int]) -> list[Feedback]:
        """The answers to "Was this the cause?" kept with the incidents `incident_ids`."""
        ids = sorted(set(incident_ids))
        if not ids:
            return []
        return [Feedback(*row) for row in self._rows(ANSWERS, {"ids": json.dumps(ids)})]

    def paged_teams(self, incident_ids: Sequence[int]) -> dict[int, list[str]]:
        """The teams the incidents `incident_ids` paged, or page, first paged first."""
        ids = sorted(set(incident_ids))
        rows = self._rows(PAGED_TEAMS, {"ids": json.dumps(ids)}) if ids else []
        return teams_by_incident(rows)

    def states(self) -> SqliteStates:
        """The live sources' progress, read over the same connection."""
        return SqliteStates(self)

    def source_states(self) -> dict[str, SourceState]:
        """Every live source's progress, by name."""
        return {row[0]: SourceState(*row) for row in self._rows(SOURCE_STATES, {})}

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def _rows(self, statement: str, parameters: dict[str, int | str | None]) -> list[Any]:
        written = _written(statement, named=parameters.get("names") is not None)
        try:
            return self._connection.execute(written, parameters).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"{self._name}: {error}") from None

    def _each(self, statement: str, parameters: dict[str, int | str | None]) -> Iterator[Any]:
        """The rows of `statement` a batch at a time: a large read is never all held as rows."""
        for batch in self._batches(statement, parameters):
            yield from batch

    def _batches(
        self, statement: str, parameters: dict[str, int | str | None]
    ) -> Iterator[list[Any]]:
        """The rows of `statement`, `BATCH` at a time."""
        written = _written(statement, named=parameters.get("names") is not None)
        try:
            cursor = self._connection.execute(written, parameters)
            while batch := cursor.fetchmany(BATCH):
                yield batch
        except sqlite3.Error as error:
            raise StoreError(f"{self._name}: {error}") from None


def _asked(
    start: int | None, end: int | None, names: Collection[str] | None
) -> dict[str, int | str | None]:
    """The parameters of a read of the window, of `names` (a JSON list) or of all."""
    return {
        "start": start,
        "end": end,
        "names": None if names is None else json.dumps(sorted(set(names))),
    }


def _incident(row: Sequence[Any]) -> IncidentRecord:
    record = dict(zip(INCIDENT_FIELDS, row, strict=True))
    record["alerts"] = int(record["alerts"])
    record["has_snapshot"] = bool(record["has_snapshot"])
    return IncidentRecord(**record)


class SqliteStates:
    """`StateStore` over a reader's connection."""

    def __init__(self, reader: SqliteMapReader) -> None:
        self._reader = reader

    def all(self) -> dict[str, SourceState]:
        """Every source's state, by name."""
        return self._reader.source_states()


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
