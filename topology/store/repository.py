"""The store: imports calls idempotently and answers with sums over any window."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import DBAPIError

from topology.aggregate import aggregate, minute_of
from topology.errors import StoreError
from topology.model import NodeKind
from topology.stats import EdgeStats, Node, ServiceStats
from topology.store import reads, rows, writes
from topology.store.engine import WRITES, masked
from topology.store.keys import call_key, served_key
from topology.store.schema import MINUTE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Row

    from topology.aggregate import Aggregate
    from topology.model import Call, Served

T = TypeVar("T")
EdgeSeries = dict[tuple[str, str], list[tuple[int, EdgeStats]]]
"""Per `(parent, child)`, `(bucket start, statistics)` pairs in time order."""
ServiceSeries = dict[str, list[tuple[int, ServiceStats]]]
"""Per service, `(bucket start, statistics)` pairs in time order."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one import added: new calls, calls already known, new served requests."""

    calls_new: int
    calls_duplicate: int
    served_new: int


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One line of the import audit log."""

    id: int
    source: str
    at: int
    spans: int
    calls_new: int
    calls_duplicate: int


class Store:
    """Per-minute edge and service statistics in a SQL database (SQLite or Postgres)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def ingest(
        self,
        calls: Sequence[Call],
        served: Sequence[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
    ) -> IngestResult:
        """Add the calls and served requests not imported before, in one transaction."""
        unique_calls = _first_per_key(calls, lambda call: call_key(call.key))
        unique_served = _first_per_key(served, lambda request: served_key(request.key))
        with _reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                new_calls, new_served = _add_unseen(connection, unique_calls, unique_served, now_s)
                result = IngestResult(new_calls, len(calls) - new_calls, new_served)
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

    def edges(
        self, start_s: int | None = None, end_s: int | None = None, *, resolution: int = MINUTE
    ) -> list[EdgeStats]:
        """Every edge with its statistics summed over `start_s <= bucket start < end_s`."""
        query = reads.edge_sums(start_s, end_s, resolution)
        return [rows.edge_stats(row[0], row[1], row[2], row[3:]) for row in self._rows(query)]

    def services(
        self, start_s: int | None = None, end_s: int | None = None, *, resolution: int = MINUTE
    ) -> list[ServiceStats]:
        """Every service with its served requests summed over the window."""
        query = reads.service_sums(start_s, end_s, resolution)
        return [rows.service_stats(row[0], row[1:]) for row in self._rows(query)]

    def edge_series(
        self, start_s: int | None = None, end_s: int | None = None, *, resolution: int = MINUTE
    ) -> EdgeSeries:
        """Per edge, its statistics bucket by bucket in time order."""
        series: EdgeSeries = {}
        for row in self._rows(reads.edge_buckets_in(start_s, end_s, resolution)):
            stats = rows.edge_stats(row[0], row[1], row[2], row[4:])
            series.setdefault((row[0], row[1]), []).append((row[3], stats))
        return series

    def service_series(
        self, start_s: int | None = None, end_s: int | None = None, *, resolution: int = MINUTE
    ) -> ServiceSeries:
        """Per service, its served requests bucket by bucket in time order."""
        series: ServiceSeries = {}
        for row in self._rows(reads.service_buckets_in(start_s, end_s, resolution)):
            series.setdefault(row[0], []).append((row[1], rows.service_stats(row[0], row[2:])))
        return series

    def nodes(self) -> list[Node]:
        """Every node ever seen, instrumented or virtual."""
        return [
            Node(name, NodeKind(kind), bool(virtual))
            for name, kind, virtual in self._rows(reads.all_nodes())
        ]

    def time_range(self, *, resolution: int = MINUTE) -> tuple[int, int] | None:
        """The first and last bucket start stored, or None when the store is empty."""
        ((low, high),) = self._rows(reads.bucket_range(resolution))
        return None if low is None else (int(low), int(high))

    def imports(self, limit: int = 20) -> list[ImportRecord]:
        """The latest imports, newest first."""
        return [ImportRecord(*row) for row in self._rows(reads.latest_imports(limit))]

    def _rows(self, query: reads.Query) -> Sequence[Row[*tuple[Any, ...]]]:
        with _reported(self._engine), self._engine.connect() as connection:
            return connection.execute(query).all()


@contextmanager
def _reported(engine: Engine) -> Iterator[None]:
    """Turn a database failure into a StoreError naming the (masked) database."""
    try:
        yield
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise StoreError(f"{masked(engine.url)}: {reason}") from error


def _first_per_key(items: Sequence[T], key: Callable[[T], int]) -> dict[int, T]:
    unique: dict[int, T] = {}
    for item in items:
        unique.setdefault(key(item), item)
    return unique


def _add_unseen(
    connection: Connection,
    calls: dict[int, Call],
    served: dict[int, Served],
    now_s: int,
) -> tuple[int, int]:
    """Add what was not imported before; return how many calls and served were new."""
    keys = [(key, minute_of(call.start_us, now_s)) for key, call in calls.items()]
    keys += [(key, minute_of(request.start_us, now_s)) for key, request in served.items()]
    # Sorted, as the rows below, so that concurrent imports lock shared rows in one order.
    claimed = writes.claim(connection, sorted(keys))
    new_calls = {key: call for key, call in calls.items() if key in claimed}
    new_served = {key: request for key, request in served.items() if key in claimed}
    batch = aggregate(new_calls.values(), new_served.values(), now_s=now_s)
    edges = sorted(batch.edges.items())
    services = sorted(batch.services.items())
    writes.add_edges(connection, [rows.edge_row(stats, MINUTE, key[2]) for key, stats in edges])
    writes.add_services(
        connection, [rows.service_row(stats, MINUTE, key[1]) for key, stats in services]
    )
    writes.merge_nodes(connection, _node_rows(batch, now_s))
    return len(new_calls), len(new_served)


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
