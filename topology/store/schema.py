"""The tables of the store: names, per-bucket edge and service statistics, traces seen.

Buckets come in three tiers (`topology.retention`): per minute in `edge_buckets` and
`service_buckets`, whose `resolution` is always `MINUTE`; per hour and per day in the
rollup tables, which a compaction fills as minutes and hours expire.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
)

from topology.stats import HISTOGRAM_SIZE

MINUTE = 60
"""Resolution, in seconds, of the buckets written by imports."""

HISTOGRAM_COLUMNS: tuple[str, ...] = tuple(f"h{index}" for index in range(HISTOGRAM_SIZE))
"""Names of the latency histogram columns, one per bucket of `topology.stats`."""

metadata = MetaData()


def _histogram() -> list[Column[int]]:
    return [Column(name, BigInteger, nullable=False) for name in HISTOGRAM_COLUMNS]


def _edge_values() -> list[Column[Any]]:
    return [
        Column("calls", BigInteger, nullable=False),
        Column("errors", BigInteger, nullable=False),
        Column("lat_sum_ms", Double, nullable=False),
        Column("lat_count", BigInteger, nullable=False),
        Column("client_sum_ms", Double, nullable=False),
        Column("client_count", BigInteger, nullable=False),
        Column("server_sum_ms", Double, nullable=False),
        Column("server_count", BigInteger, nullable=False),
        *_histogram(),
    ]


def _service_values() -> list[Column[Any]]:
    return [
        Column("requests", BigInteger, nullable=False),
        Column("errors", BigInteger, nullable=False),
        Column("lat_sum_ms", Double, nullable=False),
        Column("lat_count", BigInteger, nullable=False),
        *_histogram(),
    ]


def _edge_rollup(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("parent", Text, primary_key=True),
        Column("child", Text, primary_key=True),
        Column("start", BigInteger, primary_key=True, autoincrement=False),
        *_edge_values(),
        Index(f"ix_{name}_start", "start"),
    )


def _service_rollup(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("service", Text, primary_key=True),
        Column("start", BigInteger, primary_key=True, autoincrement=False),
        *_service_values(),
        Index(f"ix_{name}_start", "start"),
    )


nodes = Table(
    "nodes",
    metadata,
    Column("name", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("virtual", Boolean, nullable=False),
    Column("first_seen", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
)

edge_buckets = Table(
    "edge_buckets",
    metadata,
    Column("parent", Text, primary_key=True),
    Column("child", Text, primary_key=True),
    Column("resolution", Integer, primary_key=True, autoincrement=False),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    *_edge_values(),
    Index("ix_edge_buckets_resolution_start", "resolution", "start"),
)

service_buckets = Table(
    "service_buckets",
    metadata,
    Column("service", Text, primary_key=True),
    Column("resolution", Integer, primary_key=True, autoincrement=False),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    *_service_values(),
    Index("ix_service_buckets_resolution_start", "resolution", "start"),
)

edge_hours = _edge_rollup("edge_hours")
"""Per edge and hour: the statistics of the hour's minutes, once they were compacted."""
edge_days = _edge_rollup("edge_days")
"""Per edge and UTC day: the statistics of the day's hours, once they were compacted."""
service_hours = _service_rollup("service_hours")
"""Per service and hour: the statistics of the hour's minutes, once they were compacted."""
service_days = _service_rollup("service_days")
"""Per service and UTC day: the statistics of the day's hours, once they were compacted."""

seen_traces = Table(
    "seen_traces",
    metadata,
    Column("key", BigInteger, primary_key=True, autoincrement=False),
    Column("start", BigInteger, nullable=False),
    Column("calls", LargeBinary, nullable=False),
    Index("ix_seen_traces_start", "start"),
    # A rowid table: SQLite advises against WITHOUT ROWID for rows as big as a trace's hashes.
)
"""Per trace imported (`keys.trace_keys`): its first minute, and `keys.pack` of its key hashes."""

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("spans", Integer, nullable=False),
    Column("calls_new", Integer, nullable=False),
    Column("calls_duplicate", Integer, nullable=False),
)

source_state = Table(
    "source_state",
    metadata,
    Column("name", Text, primary_key=True),
    Column("high_water", BigInteger, nullable=True),
    Column("last_success", BigInteger, nullable=True),
    Column("last_error_at", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("spans", BigInteger, nullable=True),
)
"""Per live source: the epoch second pulled up to, the last success, the last error."""

leases = Table(
    "leases",
    metadata,
    Column("name", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires", BigInteger, nullable=False),
)
"""Named leases: which process runs a job (the refresh) until when, in epoch seconds."""
