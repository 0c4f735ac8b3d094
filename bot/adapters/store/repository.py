"""The store: imports calls idempotently and answers with sums over any window."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.adapters.store import (
    compaction,
    name_caps,
    pending,
    reads,
    rows,
    signal_writes,
    signals,
    streaming,
    traces,
    writes,
)
from bot.adapters.store.engine import WRITES, masked
from bot.adapters.store.keys import pack, unpack
from bot.adapters.store.ports import EdgeSeries, ServiceSeries
from bot.adapters.store.schema import MINUTE
from bot.adapters.store.sqlite_reader import MINUTE_EDGE_PAIRS
from topology.aggregate import Summing, aggregate, minute_of
from topology.cardinality import Admission, Drops
from topology.errors import StoreError
from topology.gcpause import paused_gc
from topology.model import Call, NodeKind, Span
from topology.retention import Retention, cuts
from topology.stats import TIMING_VALUES, EdgeStats, EdgeTiming, Node, ServiceStats

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Row

    from bot.adapters.store.compaction import Compaction
    from topology.aggregate import Aggregate
    from topology.model import Served
    from topology.rca.minute_columns import Minutes
    from topology.rca.snapshot import Series
    from topology.signals.model import LogRecord, MetricPoint
    from topology.signals.templates import TemplateBook

_T = TypeVar("_T")
BATCH = 10_000
"""Rows fetched at a time by a large read."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one import added: new calls, calls already known, new served requests."""

    calls_new: int
    calls_duplicate: int
    served_new: int
    dropped: Drops = field(default_factory=Drops)
    """What the caps on new names refused (`topology.cardinality`)."""


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One line of the import audit log."""

    id: int
    source: str
    at: int
    spans: int
    calls_new: int
    calls_duplicate: int


@dataclass(frozen=True, slots=True)
class Parking:
    """Client spans to keep waiting (each with when it stops), and those done waiting."""

    waiting: Sequence[tuple[Span, int]] = ()
    settled: Sequence[pending.PendingKey] = ()
    """Spans whose calls this import counts: each must still be waiting."""
    discarded: Sequence[pending.PendingKey] = ()
    """Rows to delete whatever became of them (rows that do not read)."""


class Store:
    """Per-minute edge and service statistics in a SQL database (SQLite or Postgres)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._templates: TemplateBook | None = None
        self._mining = threading.Lock()

    def ingest(
        self,
        calls: Sequence[Call],
        served: Sequence[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
        admit: Admission | None = None,
        parking: Parking | None = None,
    ) -> IngestResult:
        """Add the calls and served requests not imported before, in one transaction.

        A trace is remembered with the hashes of its keys: importing it again adds only
        the calls it lacked (spans that arrived late), and a repeated key counts once.
        With `admit`, calls and requests naming a new name or edge it refuses are left
        out (not remembered, so sent again once let in they count) and counted.
        With `parking`, client spans start or stop waiting (`pending_spans`) in the same
        transaction: what was received is kept as stored or as waiting, never lost. When
        a span said settled is no longer waiting (another transaction settled it), nothing
        is stored and `pending.SettledElsewhere` names them.
        """
        with paused_gc():
            dropped = Drops()
            if admit is not None:
                calls, served, dropped = self._admitted(calls, served, admit, now_s)
            batch = traces.gather(calls, served, now_s)
            with reported(self._engine), self._engine.connect() as connection:
                connection.execution_options(**{WRITES: True})
                with connection.begin():
                    if parking is not None:
                        _park(connection, parking)
                    added = _add_unseen(connection, batch, now_s)
                    new = len(added.calls)
                    result = IngestResult(new, len(calls) - new, len(added.served), dropped)
                    if admit is not None and dropped:
                        name_caps.add_drops(connection, admit.source, dropped, now_s=now_s)
                    writes.log_import(
                        connection,
                        {
                            "source": source,
                            "at": now_s,
                            "spans": spans,
                            "calls_new": result.calls_new,
                            "calls_duplicate": result.calls_duplicate,
                        },
                    )
        return result

    def ingest_batches(
        self,
        batches: Iterable[tuple[Sequence[Call], Sequence[Served], int]],
        *,
        now_s: int,
        source: str,
        admit: Admission | None = None,
    ) -> IngestResult:
        """`ingest` for an import too large to hold at once, one batch at a time.

        `batches` gives each batch's calls, served requests and spans read, and may be made
        (and fail) while they are stored: all go in one transaction, so an error from it
        or the database stores none of them. A trace split between batches counts once,
        as a re-import of it would. The import log has one line for all.
        """
        new = duplicate = served_new = spans = 0
        dropped = Drops()
        summing = Summing(now_s=now_s)  # written once: batches share their minutes
        with reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                for calls, served, read in batches:
                    with paused_gc():
                        kept, kept_served = calls, served
                        if admit is not None:
                            kept, kept_served, lost = name_caps.admitted(
                                connection, calls, served, admit, now_s=now_s
                            )
                            dropped.names.update(lost.names)
                            dropped.items.update(lost.items)
                        added = _claim_unseen(connection, traces.gather(kept, kept_served, now_s))
                        summing.add(added.calls, added.served)
                    new += len(added.calls)
                    duplicate += len(kept) - len(added.calls)
                    served_new += len(added.served)
                    spans += read
                with paused_gc():
                    _add_sums(connection, summing.result(), now_s)
                if admit is not None and dropped:
                    name_caps.add_drops(connection, admit.source, dropped, now_s=now_s)
                writes.log_import(
                    connection,
                    {
                        "source": source,
                        "at": now_s,
                        "spans": spans,
                        "calls_new": new,
                        "calls_duplicate": duplicate,
                    },
                )
        return IngestResult(new, duplicate, served_new, dropped)

    def ingest_edges(
        self,
        edges: Sequence[EdgeStats],
        *,
        minute_s: int,
        source: str,
        admit: Admission | None = None,
        now_s: int | None = None,
    ) -> int:
        """Store edges summed elsewhere (a service graph) as the minute bucket at `minute_s`.

        Idempotent per minute: each edge's bucket is replaced, not added to, so pulling the
        same minute again changes nothing. Traces of the same edges in that minute are
        overwritten too: feed an edge from traces or from a service graph, not both.
        With `admit`, edges naming a new name or edge it refuses (at `now_s`) are left out
        and counted. Returns the calls stored.
        """
        minute = minute_s - minute_s % MINUTE
        at = minute if now_s is None else now_s
        dropped = Drops()
        if admit is not None:
            edges, dropped = self._admitted_edges(edges, admit, at)
        ordered = sorted(edges, key=lambda stats: (stats.parent, stats.child))
        nodes: dict[str, tuple[NodeKind, bool]] = {}
        for stats in ordered:
            nodes.setdefault(stats.parent, (NodeKind.SERVICE, False))
            kind = stats.child_kind or NodeKind.SERVICE
            nodes[stats.child] = (kind, kind is not NodeKind.SERVICE)
        node_rows = [
            {"name": name, "kind": kind.value, "virtual": virtual}
            | {"first_seen": minute, "last_seen": minute}
            for name, (kind, virtual) in sorted(nodes.items())
        ]
        calls = sum(stats.calls for stats in ordered)
        with reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                writes.put_edges(connection, [rows.edge_row(e, MINUTE, minute) for e in ordered])
                writes.merge_nodes(connection, node_rows)
                if admit is not None and dropped:
                    name_caps.add_drops(connection, admit.source, dropped, now_s=at)
                writes.log_import(
                    connection,
                    {
                        "source": source,
                        "at": minute,
                        "spans": 0,
                        "calls_new": calls,
                        "calls_duplicate": 0,
                    },
                )
        return calls

    def waiting_in(self, trace_ids: Sequence[str], *, limit: int) -> list[pending.Waiting]:
        """The client spans waiting in the traces `trace_ids`, at most `limit`."""
        with reported(self._engine), self._engine.connect() as connection:
            return pending.of_traces(connection, trace_ids, limit=limit)

    def waiting_due(self, *, now_s: int, limit: int) -> list[pending.Waiting]:
        """The client spans done waiting at `now_s`, at most `limit`, those due first first."""
        with reported(self._engine), self._engine.connect() as connection:
            return pending.due(connection, now_s=now_s, limit=limit)

    def refused_names(self) -> list[name_caps.Refused]:
        """Per source and reason, what the caps on new names refused."""
        with reported(self._engine), self._engine.connect() as connection:
            return name_caps.refused(connection)

    def admitted_services(
        self,
        items: Sequence[_T],
        service_of: Callable[[_T], str | None],
        admit: Admission,
        *,
        now_s: int,
    ) -> tuple[Sequence[_T], Drops]:
        """The items whose service `admit` lets in (`name_caps.admitted_services`).

        What it refused is added onto the source's counts in the store.
        """
        with reported(self._engine), self._engine.connect() as connection:
            kept, dropped = name_caps.admitted_services(
                connection, items, service_of, admit, now_s=now_s
            )
        if dropped:
            with reported(self._engine), self._engine.connect() as connection:
                connection.execution_options(**{WRITES: True})
                with connection.begin():
                    name_caps.add_drops(connection, admit.source, dropped, now_s=now_s)
        return kept, dropped

    def _admitted(
        self, calls: Sequence[Call], served: Sequence[Served], admit: Admission, now_s: int
    ) -> tuple[Sequence[Call], Sequence[Served], Drops]:
        with reported(self._engine), self._engine.connect() as connection:
            return name_caps.admitted(connection, calls, served, admit, now_s=now_s)

    def _admitted_edges(
        self, edges: Sequence[EdgeStats], admit: Admission, now_s: int
    ) -> tuple[list[EdgeStats], Drops]:
        service = NodeKind.SERVICE
        calls = [
            Call(e.parent, e.child, "", None, error=False, child_kind=e.child_kind) for e in edges
        ]
        for call in calls:  # drawn as `ingest_edges` stores them
            call.parent_local = True
            call.child_local = call.child_kind in (None, service)
        with reported(self._engine), self._engine.connect() as connection:
            kept, _, dropped = name_caps.admitted(connection, calls, [], admit, now_s=now_s)
        let_in = {(call.parent, call.child) for call in kept}
        return [e for e in edges if (e.parent, e.child) in let_in], dropped

    def ingest_logs(self, records: Sequence[LogRecord], *, cap: int) -> signal_writes.LogsStored:
        """Count the log records not stored before, by level and template; one transaction.

        The miners of the services last seen are kept for the next call, checked against
        the stored templates each time.
        """
        with self._mining, reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                if self._templates is None:
                    self._templates = signal_writes.template_book(cap)
                return signal_writes.store_logs(connection, records, cap=cap, book=self._templates)

    def ingest_metrics(
        self, points: Sequence[MetricPoint], *, cap: int, replace: bool = False
    ) -> signal_writes.MetricsStored:
        """Add metric points onto their minutes, at most `cap` names a service; one transaction.

        With `replace`, a service's metric in a minute is what these points say, not added to.
        """
        with reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                return signal_writes.store_metrics(connection, points, cap=cap, replace=replace)

    def log_series(
        self, services: Collection[str] | None, start: int, end: int
    ) -> dict[str, Series]:
        """Per service, log counts per minute by level and template (`signals.log_series`)."""
        with reported(self._engine), self._engine.connect() as connection:
            return signals.log_series(connection, services, start, end)

    def metric_series(
        self, services: Collection[str] | None, start: int, end: int
    ) -> dict[str, Series]:
        """Per service, each metric's value per minute (`signals.metric_series`)."""
        with reported(self._engine), self._engine.connect() as connection:
            return signals.metric_series(connection, services, start, end)

    def signal_drops(self) -> dict[str, dict[str, int]]:
        """Per service, log records folded and metric points dropped at the caps."""
        with reported(self._engine), self._engine.connect() as connection:
            return signals.drops(connection)

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """Every edge with its statistics summed over `start_s <= bucket start < end_s`."""
        query = reads.edge_sums(start_s, end_s)
        if self._engine.dialect.name == "sqlite":  # Postgres groups the union by hashing
            ((coarse,),) = self._rows(reads.buckets_held(start_s, end_s, reads.COARSE_EDGE_TIERS))
            query = (
                reads.grouped_edge_sums(start_s, end_s)
                if coarse
                else reads.minute_edge_sums(start_s, end_s)
            )
        with paused_gc():  # a large map makes hundreds of thousands of objects, no cycles
            found = self._rows(query)
            return [rows.edge_stats(row[0], row[1], row[2], row[3:]) for row in found]

    def edge_calls(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        """As `edges`, with only the calls and errors summed: no latency on either side."""
        query = reads.edge_call_sums(start_s, end_s)
        if self._engine.dialect.name == "sqlite":
            query = reads.grouped_edge_sums(start_s, end_s, rows.CALL_VALUES)
        with paused_gc():
            found = self._rows(query)
            return [rows.edge_counts(*row) for row in found]

    def edge_pairs(self, start_s: int, end_s: int) -> list[EdgeStats]:
        """Every edge with a bucket starting in the window, its callee's kind, nothing summed.

        On SQLite, a window of minutes alone is read by seeks along the edge key, as the
        read-only reader reads it (`sqlite_reader.MINUTE_EDGE_PAIRS`); otherwise the edges
        of `edge_calls` (Postgres groups the minutes by hashing).
        """
        if self._engine.dialect.name == "sqlite":
            ((coarse,),) = self._rows(reads.buckets_held(start_s, end_s, reads.COARSE_EDGE_TIERS))
            if not coarse:
                window = {"start": start_s, "end": end_s}
                with reported(self._engine), self._engine.connect() as connection:
                    found = connection.execute(text(MINUTE_EDGE_PAIRS), window).all()
                return [rows.edge_pair(*row) for row in found]
        return rows.pairs_of(self.edge_calls(start_s, end_s))

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        """Every service with its served requests summed over the window."""
        query = reads.service_sums(start_s, end_s)
        with paused_gc():
            found = self._rows(query)
            return [rows.service_stats(row[0], row[1:]) for row in found]

    def edge_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        touching: Collection[str] | None = None,
    ) -> EdgeSeries:
        """Per edge (into or out of `touching`, if given), its statistics bucket by bucket."""
        series: EdgeSeries = {}
        for names in reads.name_chunks(touching):
            part: EdgeSeries = {}
            for row in self._rows(reads.edge_buckets_in(start_s, end_s, names)):
                stats = rows.edge_stats(row[0], row[1], row[2], row[4:])
                part.setdefault((row[0], row[1]), []).append((row[3], stats))
            for key, points in part.items():  # an edge between two chunks comes twice
                series.setdefault(key, points)
        return series

    def edge_timings(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None = None
    ) -> dict[tuple[str, str], list[EdgeTiming]]:
        """Per edge (into or out of `touching`, if given), its `EdgeTiming` bucket by bucket.

        What ranking reads of an edge, without its latency histogram. One read of the
        minutes, unsorted, when no hour or day bucket starts in the window.
        """
        ((coarse,),) = self._rows(reads.buckets_held(start_s, end_s, reads.COARSE_EDGE_TIERS))
        timings: dict[tuple[str, str], list[EdgeTiming]] = {}
        for names in reads.name_chunks(touching):
            part: dict[tuple[str, str], list[EdgeTiming]] = {}
            statement = (
                reads.edge_timings_in(start_s, end_s, names)
                if coarse
                else reads.edge_minutes_in(start_s, end_s, names, TIMING_VALUES)
            )
            for row in self._each(statement):
                part.setdefault((row[0], row[1]), []).append(cast("EdgeTiming", tuple(row[2:])))
            for key, points in part.items():  # an edge between two chunks comes twice
                timings.setdefault(key, points)
        return timings if coarse else rows.timings_in_order(timings)

    def calls_around(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None, served: Collection[str]
    ) -> tuple[dict[tuple[str, str], list[EdgeTiming]], ServiceSeries]:
        """What ranking reads of the calls into or out of `touching` (None: of every node).

        The `edge_timings` of those edges, and the `incoming_series` of those nodes not in
        `served` (the nodes with buckets of their own in the window): one read of the
        minutes, histograms and all, when no hour or day bucket starts in the window.
        """
        ((coarse,),) = self._rows(reads.buckets_held(start_s, end_s, reads.COARSE_EDGE_TIERS))
        if coarse:
            idle = None if touching is None else [n for n in touching if n not in served]
            incoming = {} if idle == [] else self.incoming_series(start_s, end_s, nodes=idle)
            return self.edge_timings(start_s, end_s, touching=touching), incoming
        found: dict[tuple[str, str], list[Row[*tuple[Any, ...]]]] = {}
        for names in reads.name_chunks(touching):
            part: dict[tuple[str, str], list[Row[*tuple[Any, ...]]]] = {}
            for row in self._rows(reads.edge_minutes_in(start_s, end_s, names)):
                part.setdefault((row[0], row[1]), []).append(row)
            for key, points in part.items():  # an edge between two chunks comes twice
                found.setdefault(key, points)
        return rows.timings_and_incoming(found, touching, served)

    def edge_minutes(
        self, start_s: int, end_s: int, *, touching: Collection[str] | None, timings: bool = False
    ) -> Minutes | None:
        """What `calls_around` reads, as columns; None when an hour or day bucket starts in it."""
        from topology.rca.minute_columns import minute_columns  # noqa: PLC0415 - loads numpy

        ((coarse,),) = self._rows(reads.buckets_held(start_s, end_s, reads.COARSE_EDGE_TIERS))
        if coarse:
            return None
        values = TIMING_VALUES if timings else rows.EDGE_VALUES
        chunks = (
            self._plain_batches(reads.edge_minutes_in(start_s, end_s, names, values))
            for names in reads.name_chunks(touching)
        )
        return minute_columns(chunks, values, keyed_by=2)

    def service_minutes(
        self, start_s: int, end_s: int, *, services: Collection[str] | None
    ) -> Minutes | None:
        """What `service_series` reads, as columns; None when an hour or day bucket starts in it."""
        from topology.rca.minute_columns import minute_columns  # noqa: PLC0415 - loads numpy

        ((coarse,),) = self._rows(reads.buckets_held(start_s, end_s, reads.COARSE_SERVICE_TIERS))
        if coarse:
            return None
        chunks = (
            self._plain_batches(reads.service_minutes_in(start_s, end_s, names))
            for names in reads.name_chunks(services)
        )
        return minute_columns(chunks, rows.SERVICE_VALUES, keyed_by=1)

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
        ((coarse,),) = self._rows(reads.buckets_held(start_s, end_s, reads.COARSE_SERVICE_TIERS))
        statement = reads.service_buckets_in if coarse else reads.service_minutes_in
        series: ServiceSeries = {}
        for names in reads.name_chunks(services):
            for row in self._each(statement(start_s, end_s, names)):
                stats = rows.service_stats(row[0], row[2:])
                series.setdefault(row[0], []).append((row[1], stats))
        return series if coarse else rows.in_time_order(series)

    def incoming_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        nodes: Collection[str] | None = None,
    ) -> ServiceSeries:
        """Per node (of `nodes`, if given) that served nothing in the window, the calls into it.

        From other nodes, bucket by bucket in time order, as the requests it would have
        served; the callers are added in the order `edge_series` lists them, so the sums
        are the same.
        """
        series: ServiceSeries = {}
        for names in reads.name_chunks(nodes):
            query = reads.incoming_buckets_in(start_s, end_s, names)
            series.update(rows.incoming_series(self._rows(query)))
        return series

    def holds_buckets(self, start_s: int, end_s: int) -> bool:
        """Whether any edge or service bucket starts in `start_s <= start < end_s`."""
        ((held,),) = self._rows(reads.buckets_held(start_s, end_s))
        return bool(held)

    def nodes(self) -> list[Node]:
        """Every node ever seen, instrumented or virtual."""
        return [
            Node(name, NodeKind(kind), bool(virtual))
            for name, kind, virtual in self._rows(reads.all_nodes())
        ]

    def time_range(self) -> tuple[int, int] | None:
        """The first and last bucket start stored, in any tier, or None when the store is empty."""
        ((low, high),) = self._rows(reads.bucket_range())
        return None if low is None else (int(low), int(high))

    def compact(
        self, *, now_s: int, retention: Retention, ahead_s: int | None = None
    ) -> Compaction:
        """Roll expired minutes into hours and hours into days, drop expired days; one transaction.

        Each bucket moves once: compacting again, or from two processes at once, finds
        nothing more to move until time passes the next hour. With `ahead_s`, buckets
        starting more than `ahead_s` after `now_s` are dropped first.
        """
        with reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                return compaction.compact(connection, cuts(now_s, retention, ahead_s=ahead_s))

    def imports(self, limit: int = 20) -> list[ImportRecord]:
        """The latest imports, newest first."""
        return [ImportRecord(*row) for row in self._rows(reads.latest_imports(limit))]

    def last_import(self, source: str) -> int | None:
        """When `source` last stored calls (epoch seconds), or None if the log holds none."""
        found = self._rows(reads.last_import_of(source))
        return int(found[0][0]) if found else None

    def _rows(self, query: reads.Query) -> Sequence[Row[*tuple[Any, ...]]]:
        with reported(self._engine), self._engine.connect() as connection:
            return connection.execute(query).all()

    def _each(self, query: reads.Query) -> Iterator[Row[*tuple[Any, ...]]]:
        """The rows of `query` as they are fetched: a large read is never all held as rows."""
        with reported(self._engine), self._engine.connect() as connection:
            yield from connection.execute(query)

    def _plain_batches(self, query: reads.Query) -> Iterator[Sequence[Sequence[Any]]]:
        """The rows of `query` as the driver gives them, tuples, `BATCH` at a time.

        For a large read of plain numbers and strings, which need no conversion on their
        way out: SQLAlchemy's row objects would take a third of the time again. On
        Postgres the rows are streamed (`streaming.batches`).
        """
        engine = self._engine
        with reported(engine), engine.connect() as connection:
            compiled = query.compile(
                dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
            )
            values = compiled.params
            order = compiled.positiontup
            parameters = values if order is None else tuple(values[name] for name in order)
            cursor = connection.connection.cursor()
            try:
                if connection.dialect.driver == "psycopg" and streaming.chunked():
                    yield from streaming.batches(cursor, compiled.string, parameters, BATCH)
                    return
                cursor.execute(compiled.string, parameters)
                while batch := cursor.fetchmany(BATCH):
                    yield batch
            except connection.dialect.loaded_dbapi.Error as error:  # the driver's own
                reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
                raise StoreError(f"{masked(engine.url)}: {reason}") from error
            finally:
                cursor.close()


@contextmanager
def reported(engine: Engine) -> Iterator[None]:
    """Turn a database failure into a StoreError naming the (masked) database."""
    try:
        yield
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise StoreError(f"{masked(engine.url)}: {reason}") from error
    except PoolTimeoutError as error:  # every pooled connection is in use (or hung)
        raise StoreError(f"{masked(engine.url)}: no free connection in time") from error


def _park(connection: Connection, parking: Parking) -> None:
    """Settle and keep waiting spans as `parking` says; raise if one was settled elsewhere."""
    gone = set(parking.settled) - pending.drop(connection, parking.settled)
    if gone:
        raise pending.SettledElsewhere(gone)
    pending.drop(connection, parking.discarded)
    pending.put(connection, parking.waiting)


def _add_unseen(connection: Connection, batch: traces.Batch, now_s: int) -> traces.Decision:
    """Add what was not imported before; return what that was."""
    added = _claim_unseen(connection, batch)
    _add_sums(connection, aggregate(added.calls, added.served, now_s=now_s), now_s)
    return added


def _claim_unseen(connection: Connection, batch: traces.Batch) -> traces.Decision:
    """Remember the traces of `batch`; return what was not imported before."""
    seen = [_trace_row(key, trace) for key, trace in batch.traces.items()]
    known = writes.claim_traces(connection, seen)
    added = traces.decide(
        batch, {key: traces.Trace(start, unpack(calls)) for key, (start, calls) in known.items()}
    )
    writes.grow_traces(connection, [_trace_row(key, trace) for key, trace in added.grown.items()])
    return added


def _add_sums(connection: Connection, summed: Aggregate, now_s: int) -> None:
    """Add per-minute sums to the stored ones, and their nodes."""
    # Sorted, as the trace rows, so that concurrent imports lock shared rows in one order.
    edges = sorted(summed.edges.items())
    services = sorted(summed.services.items())
    writes.add_edges(connection, [rows.edge_row(stats, MINUTE, key[2]) for key, stats in edges])
    writes.add_services(
        connection, [rows.service_row(stats, MINUTE, key[1]) for key, stats in services]
    )
    writes.merge_nodes(connection, _node_rows(summed, now_s))


def _trace_row(key: int, trace: traces.Trace) -> dict[str, Any]:
    return {"key": key, "start": trace.start, "calls": pack(trace.hashes)}


def _node_rows(batch: Aggregate, now_s: int) -> list[dict[str, Any]]:
    default = minute_of(None, now_s)
    return [
        {
            "name": name,
            "kind": node.kind.value,
            "virtual": node.virtual,
            "first_seen": batch.node_seen.get(name, (default, default))[0],
            "last_seen": batch.node_seen.get(name, (default, default))[1],
        }
        for name, node in sorted(batch.nodes.items())
    ]
