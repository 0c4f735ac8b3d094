"""Import OTLP logs and metrics: parse all of a document, then store it in one transaction.

A malformed document stores nothing; records and points refused one by one (times
outside the window, values that are not numbers) are counted and reported, the rest
stored. An imported file may hold any history; received records must be recent
(`topology.time_window`). A service name new to the store passes the caps on new names
as a trace's would (`topology.cardinality`, under the same source): the records and
points of a refused one are dropped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from bot.adapters.store.ports import SignalWriter
from bot.usecases.name_caps import IMPORT_SOURCE, admission, say_refused
from topology.cardinality import Admission, NameGate
from topology.parsing.otlp_logs import parse_logs
from topology.parsing.otlp_metrics import parse_metrics
from topology.parsing.signals import Signal
from topology.redaction import Redaction
from topology.signals.metrics import Cumulatives
from topology.signals.model import LogExport, MetricExport
from topology.time_window import TimeWindow, import_window, restrict_logs, restrict_metrics


@dataclass(frozen=True, slots=True)
class SignalCaps:
    """What the settings cap: a log body's characters, templates and metric names a service."""

    body_chars: int
    template_cap: int
    metric_name_cap: int


@dataclass(frozen=True, slots=True)
class SignalDesk:
    """What storing logs and metrics uses: the store, the caps on new names, the redaction.

    With the settings' caps (`SignalCaps`) and the time.
    """

    store: SignalWriter
    names: NameGate
    redaction: Redaction
    caps: SignalCaps
    now_s: int


@dataclass(frozen=True, slots=True)
class SignalImport:
    """What importing one logs or metrics document did."""

    source: str
    signal: Signal
    read: int
    """Records or points read and usable."""
    stored: int
    """Records counted (new) or points stored."""
    duplicates: int = 0
    """Log records stored before, not counted again."""
    refused: int = 0
    """Records or points refused one by one."""
    capped: int = 0
    """Log records folded into the other template, or metric points dropped, at the caps."""
    reason: str | None = None
    """Why the first refused record or point was."""
    names_refused: int = 0
    """Records or points dropped, their service a new name past the caps on new names."""

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        kind = "logs" if self.signal is Signal.LOGS else "metrics"
        found: dict[str, object] = {"file": self.source, "kind": kind, "read": self.read}
        found |= {"stored": self.stored, "duplicates": self.duplicates}
        found |= {"refused": self.refused, "capped": self.capped}
        found |= {"names_refused": self.names_refused}
        return found


def import_signals(
    desk: SignalDesk,
    data: bytes,
    signal: Signal,
    *,
    source: str,
    cumulatives: Cumulatives | None = None,
) -> SignalImport:
    """Parse and store a logs or metrics document; a malformed one raises before storing."""
    now_s = desk.now_s
    window = import_window(now_s)
    admit = admission(desk.names, IMPORT_SOURCE, rate=False)
    if signal is Signal.LOGS:
        logs = parse_logs(data, source=source, now_s=now_s, body_chars=desk.caps.body_chars)
        return store_logs(desk, logs, source=source, window=window, admit=admit)
    metrics = parse_metrics(data, source=source, cumulatives=cumulatives)
    return store_metrics(desk, metrics, source=source, window=window, admit=admit)


def store_logs(
    desk: SignalDesk, export: LogExport, *, source: str, window: TimeWindow, admit: Admission
) -> SignalImport:
    """Store the parsed log records `window` and `admit` let in; the others are counted."""
    export.records = desk.redaction.log_records(export.records)
    restrict_logs(export, window)
    read = len(export.records)
    store = desk.store
    records, dropped = store.admitted_services(export.records, _SERVICE, admit, now_s=desk.now_s)
    if dropped:
        say_refused(desk.names, now_s=desk.now_s)
    stored = store.ingest_logs(records, cap=desk.caps.template_cap)
    return SignalImport(
        source=source,
        signal=Signal.LOGS,
        read=read,
        stored=stored.records,
        duplicates=stored.duplicates,
        refused=export.refused.count,
        capped=stored.folded,
        reason=export.refused.reason,
        names_refused=read - len(records),
    )


def store_metrics(
    desk: SignalDesk, export: MetricExport, *, source: str, window: TimeWindow, admit: Admission
) -> SignalImport:
    """Store the parsed metric points `window` and `admit` let in; the others are counted."""
    export.points = desk.redaction.metric_points(export.points)
    restrict_metrics(export, window)
    read = len(export.points)
    store = desk.store
    points, dropped = store.admitted_services(export.points, _SERVICE, admit, now_s=desk.now_s)
    if dropped:
        say_refused(desk.names, now_s=desk.now_s)
    stored = store.ingest_metrics(points, cap=desk.caps.metric_name_cap)
    return SignalImport(
        source=source,
        signal=Signal.METRICS,
        read=read,
        stored=stored.points,
        duplicates=0,
        refused=export.refused.count,
        capped=stored.dropped,
        reason=export.refused.reason,
        names_refused=read - len(points),
    )


_SERVICE = attrgetter("service")
