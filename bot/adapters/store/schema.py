"""The tables of the store: names, per-bucket statistics, traces seen, incidents and pages.

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
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from bot.adapters.store import columns
from bot.adapters.store.columns import HISTOGRAM_COLUMNS

MINUTE = columns.MINUTE
"""Resolution, in seconds, of the buckets written by imports."""

LOG_LEVEL_COLUMNS = columns.LOG_LEVEL_COLUMNS
"""Columns of `log_minutes`: one per normalised severity, lower-cased."""

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
    # The calls into some nodes only (ranking's candidates); the key leads with the caller.
    Index("ix_edge_buckets_child_resolution_start", "child", "resolution", "start"),
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

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
    Column("group_hash", Text, nullable=False),
    Column("group_key", Text, nullable=False),
    Column("receiver", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("symptom", Text, nullable=True),
    Column("cause", Text, nullable=True),
    Column("severity", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("opened_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Column("merged_into", Integer, ForeignKey("incidents.id"), nullable=True),
    Column("paged_team", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("snapshot", LargeBinary, nullable=True),
    Column("acknowledged_by", Text, nullable=True),
    Column("acknowledged_at", BigInteger, nullable=True),
    Column("evidence_at", BigInteger, nullable=True),
    Index(
        "ux_incidents_open_group",
        "group_hash",
        unique=True,
        sqlite_where=text("resolved_at IS NULL"),
        postgresql_where=text("resolved_at IS NULL"),
    ),
    Index("ix_incidents_opened_at", "opened_at"),
)
"""One episode of an Alertmanager group: opened by its first notification, closed when resolved.

At most one open incident per group (`group_hash`, a digest of the group key); a group
joining another incident in a storm names it in `merged_into`. `evidence_at`: when its
ranking and snapshot were last made (at opening, then by groups joining it).
"""

incident_alerts = Table(
    "incident_alerts",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("fingerprint", Text, primary_key=True),
    Column("starts_at", BigInteger, primary_key=True, autoincrement=False),
    Column("status", Text, nullable=False),
    Column("ends_at", BigInteger, nullable=True),
    Column("alertname", Text, nullable=True),
    Column("service", Text, nullable=True),
    Column("summary", Text, nullable=True),
    Column("labels", Text, nullable=False),
)
"""Each alert of an incident, as last notified."""


incident_feedback = Table(
    "incident_feedback",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("user_id", Text, primary_key=True),
    Column("candidate", Text, primary_key=True),
    Column("verdict", Text, nullable=False),
    Column("at", BigInteger, nullable=False),
)
"""Per incident, person and ranked candidate: their answer to "Was this the cause?" (last wins)."""


def _sending(name: str, *unique: str, extra: tuple[Column[Any], ...] = ()) -> Table:
    """A table of things to send (pages, posts): recorded before sending, claimed to send."""
    named = {column.name for column in extra}
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
        *(Column(column, Text, nullable=False) for column in unique[1:] if column not in named),
        *extra,
        Column("team", Text, nullable=True),
        Column("state", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", BigInteger, nullable=False),
        Column("sent_at", BigInteger, nullable=True),
        Column("next_attempt_at", BigInteger, nullable=True),
        Column("claimed_until", BigInteger, nullable=True),
        Column("claimed_by", Text, nullable=True),
        Column("last_error", Text, nullable=True),
        UniqueConstraint(*unique, name=f"uq_{name}_once"),
        Index(f"ix_{name}_state", "state"),
    )


pages = _sending("pages", "incident_id", "service", "action")
pages.append_column(Column("dedup_key", Text, nullable=False))
"""Pages (trigger, resolve) per incident and service, each recorded once before it is sent."""

notifications = _sending(
    "notifications",
    "incident_id",
    "channel",
    "kind",
    "key",
    extra=(Column("key", Text, nullable=False, server_default=""),),
)
notifications.append_column(Column("ref", Text, nullable=True))
notifications.append_column(Column("url", Text, nullable=True))
"""Slack posts per incident, channel, kind and key, each recorded once before it is sent.

`key` tells apart the posts of one kind in one channel (thread replies about new
alerts); it is empty for the kinds sent once. `ref` is where a sent post is.
"""


# Evidence from OTLP logs and metrics (`bot.adapters.store.signals`): per service and minute,
# never a log line or an attribute value.

log_minutes = Table(
    "log_minutes",
    metadata,
    Column("service", Text, primary_key=True),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    *(Column(level, BigInteger, nullable=False) for level in LOG_LEVEL_COLUMNS),
    Index("ix_log_minutes_start", "start"),
    sqlite_with_rowid=False,  # small rows, read by their key: no second copy of it
)
"""Per service and minute: log records counted by normalised severity."""

log_templates = Table(
    "log_templates",
    metadata,
    Column("service", Text, primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("text", Text, nullable=False),
)
"""Per service: the log templates mined so far (masked text), under stable ids."""

log_template_minutes = Table(
    "log_template_minutes",
    metadata,
    Column("service", Text, primary_key=True),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    Column("template", Integer, primary_key=True, autoincrement=False),
    Column("count", BigInteger, nullable=False),
    Index("ix_log_template_minutes_start", "start"),
    sqlite_with_rowid=False,  # small rows, read by their key: no second copy of it
)
"""Per service, minute and template: the log records of that template."""

seen_logs = Table(
    "seen_logs",
    metadata,
    Column("service", Text, primary_key=True),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    Column("digests", LargeBinary, nullable=False),
    Index("ix_seen_logs_start", "start"),
)
"""Per service and minute: `keys.pack` of the digests of the log records counted there."""

metric_names = Table(
    "metric_names",
    metadata,
    Column("service", Text, primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    UniqueConstraint("service", "name", name="uq_metric_names_name"),
)
"""Per service: the names of the metrics kept (at most a cap), under small ids."""

metric_minutes = Table(
    "metric_minutes",
    metadata,
    Column("service", Text, primary_key=True),
    Column("metric", Integer, primary_key=True, autoincrement=False),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    Column("total", Double, nullable=False),
    Column("points", BigInteger, nullable=False),
    Index("ix_metric_minutes_start", "start"),
    sqlite_with_rowid=False,  # small rows, read by their key: no second copy of it
)
"""Per service, metric and minute: the sum and number of the points; their mean is the value."""

signal_drops = Table(
    "signal_drops",
    metadata,
    Column("service", Text, primary_key=True),
    Column("what", Text, primary_key=True),
    Column("count", BigInteger, nullable=False),
)
"""Per service: log records folded into the other template, metric points dropped at the cap."""

name_drops = Table(
    "name_drops",
    metadata,
    Column("source", Text, primary_key=True),
    Column("reason", Text, primary_key=True),
    Column("names", BigInteger, nullable=False),
    Column("items", BigInteger, nullable=False),
    Column("last_at", BigInteger, nullable=False),
)
"""Per source and reason (`topology.cardinality`): new names refused, calls lost, when last."""

alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_hash", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=True),
    Column("claimed_until", BigInteger, nullable=True),
    Column("claimed_by", Text, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_alert_outbox_state", "state", "id"),
    Index("ix_alert_outbox_group", "group_hash", "id"),
)
"""Alertmanager notifications answered and not yet worked: each is deleted once recorded.

A worker claims a row until `claimed_until` (a lease: a worker that died leaves it to
another); a group's notifications are worked in the order received.
"""

pending_spans = Table(
    "pending_spans",
    metadata,
    Column("trace_id", Text, primary_key=True),
    Column("span_key", Text, primary_key=True),
    Column("until_s", BigInteger, nullable=False),
    Column("span", Text, nullable=False),
    Index("ix_pending_spans_until", "until_s"),
)
"""OTLP client spans acknowledged and waiting, until `until_s`, for their server spans.

Written with the rest of their export, deleted in the transaction that stores their call.
"""

early_warnings = Table(
    "early_warnings",
    metadata,
    Column("subject", Text, primary_key=True),
    Column("metric", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("level", Double, nullable=False),
    Column("usual", Double, nullable=False),
    Column("threshold", Double, nullable=False),
    Column("eta_s", BigInteger, nullable=True),
    Column("opened_at", BigInteger, nullable=False),
    Column("seen_at", BigInteger, nullable=False),
    Column("posted_at", BigInteger, nullable=True),
    Column("closed_at", BigInteger, nullable=True),
    Column("muted_until", BigInteger, nullable=True),
)
"""Early warnings per service or edge (`subject`) and metric (`topology.warnings.track`).

One row per key, kept after it closes so that its mute lasts; it opens again in place.
"""
