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

from bot.bootstrap import App
from bot.usecases.name_caps import IMPORT_SOURCE, admission, say_refused
from topology.cardinality import Admission
from topology.parsing.otlp_logs import parse_logs
from topology.parsing.otlp_metrics import parse_metrics
from topology.parsing.signals import Signal
from topology.signals.metrics import Cumulatives
from topology.signals.model import LogExport, MetricExport
from topology.time_window import (
    TimeWindow,
    import_window,
    live_window,
    restrict_logs,
    restrict_metrics,
)


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
    app: App, data: bytes, signal: Signal, *, source: str, cumulatives: Cumulatives | None = None
) -> SignalImport:
    """Parse and store a logs or metrics document; a malformed one raises before storing."""
    now_s = app.now()
    window = import_window(now_s)
    admit = admission(app.names, IMPORT_SOURCE, rate=False)
    if signal is Signal.LOGS:
        logs = parse_logs(data, source=source, now_s=now_s, body_chars=app.settings.log_body_chars)
        return store_logs(app, logs, source=source, window=window, admit=admit)
    metrics = parse_metrics(data, source=source, cumulatives=cumulatives)
    return store_metrics(app, metrics, source=source, window=window, admit=admit)


def received_window(app: App) -> TimeWindow:
    """The window of records received over OTLP now."""
    settings = app.settings
    return live_window(
        app.now(), retention_s=settings.retain_minutes, skew_s=settings.max_clock_skew
    )


def store_logs(
    app: App, export: LogExport, *, source: str, window: TimeWindow, admit: Admission
) -> SignalImport:
    """Store the parsed log records `window` and `admit` let in; the others are counted."""
    export.records = app.redaction.log_records(export.records)
    restrict_logs(export, window)
    read = len(export.records)
    records, dropped = app.store.admitted_services(export.records, _SERVICE, admit, now_s=app.now())
    if dropped:
        say_refused(app.names, now_s=app.now())
    stored = app.store.ingest_logs(records, cap=app.settings.log_template_cap)
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
    app: App, export: MetricExport, *, source: str, window: TimeWindow, admit: Admission
) -> SignalImport:
    """Store the parsed metric points `window` and `admit` let in; the others are counted."""
    export.points = app.redaction.metric_points(export.points)
    restrict_metrics(export, window)
    read = len(export.points)
    points, dropped = app.store.admitted_services(export.points, _SERVICE, admit, now_s=app.now())
    if dropped:
        say_refused(app.names, now_s=app.now())
    stored = app.store.ingest_metrics(points, cap=app.settings.metric_name_cap)
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
