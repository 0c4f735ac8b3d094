"""Import trace, log and metric files: parse all of a file, then store it in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.bootstrap import App
from bot.usecases.name_caps import IMPORT_SOURCE, admission, say_refusals
from bot.usecases.signal_import import SignalImport, import_signals
from topology.errors import TraceFormatError
from topology.linking import link, with_inferred_peers
from topology.parsing import TraceFormat, parse_traces
from topology.parsing.signals import signal_of
from topology.time_window import import_window, spans_within
from topology.trace_ids import lower_trace_ids


@dataclass(frozen=True, slots=True)
class FileImport:
    """What importing one file did."""

    source: str
    spans: int
    traces: int
    calls_new: int
    calls_duplicate: int
    refused: int = 0
    """Spans refused for their time (before 1970, more than a day ahead)."""
    reason: str | None = None
    """Why they were."""

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "file": self.source,
            "spans": self.spans,
            "traces": self.traces,
            "calls_new": self.calls_new,
            "calls_duplicate": self.calls_duplicate,
            "refused": self.refused,
            "reason": self.reason,
        }


def read_trace_file(path: Path) -> bytes:
    """The bytes of a trace file, or a TraceFormatError naming it."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise TraceFormatError(f"{path}: cannot read: {error.strerror}") from None


def import_file(app: App, path: Path, fmt: TraceFormat | None = None) -> FileImport | SignalImport:
    """Import one file (traces, or OTLP logs or metrics); a malformed one stores nothing."""
    source = str(path)
    data = read_trace_file(path)
    signal = signal_of(data) if fmt in (None, TraceFormat.OTLP) else None
    if signal is not None:
        return import_signals(app, data, signal, source=source)
    read = parse_traces(data, source=source, fmt=fmt)
    window = import_window(app.now())
    spans, refused = spans_within(read, window)
    app.redaction.spans(spans)
    if read and not spans:
        raise TraceFormatError(f"{source}: every span refused: {window.reason}")
    if app.settings.infer_peers:
        spans = with_inferred_peers(spans)
    if not app.settings.strict_trace_id:
        lower_trace_ids(spans)
    linked = link(spans)
    result = app.store.ingest(
        linked.calls,
        linked.served,
        now_s=app.now(),
        source=source,
        spans=len(spans),
        admit=admission(app, IMPORT_SOURCE, rate=False),
    )
    say_refusals(app)
    app.graphs.clear()
    return FileImport(
        source,
        len(spans),
        linked.traces,
        result.calls_new,
        result.calls_duplicate,
        refused,
        window.reason if refused else None,
    )
