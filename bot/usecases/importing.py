"""Import trace, log and metric files, each stored in one transaction (all of it or none).

A file is parsed whole, then stored; a large trace file (any format, JSON Lines too) is
read piece by piece and stored batch by batch in that one transaction instead, so that
its import needs memory bounded by a batch, not by the file. Pieces that may hold part
of a trace (Zipkin spans, OTLP resources) are parked on disk by trace first, so that
each trace is linked whole (see `trace_spill`).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.store.ports import FileWriter
from bot.usecases.name_caps import IMPORT_SOURCE, admission, say_refused
from bot.usecases.signal_import import SignalCaps, SignalDesk, SignalImport, import_signals
from bot.usecases.trace_spill import SpanSpill
from topology.cardinality import NameGate
from topology.errors import TraceFormatError
from topology.linked_stream import stream_linked
from topology.linking import link
from topology.model import Call, Served, Span
from topology.parsing import TraceFormat, parse_traces, pieces, stream_traces
from topology.parsing.signals import signal_of
from topology.preparing import LinkedBatch, Preparation
from topology.redaction import Redaction
from topology.time_window import TimeWindow, import_window


@dataclass(frozen=True, slots=True)
class ImportDesk:
    """What importing files uses: the store, the caps on new names, the redaction, the time.

    `caps` are the settings' caps on logs and metrics; `infer_peers` and
    `strict_trace_id` how spans are made ready to link; `map_changed` is called once
    calls were stored, so maps read before are read again; `clock` says the time in Unix
    seconds.
    """

    store: FileWriter
    names: NameGate
    redaction: Redaction
    caps: SignalCaps
    infer_peers: bool
    strict_trace_id: bool
    map_changed: Callable[[], None]
    clock: Callable[[], int]

    def signals(self) -> SignalDesk:
        """What storing logs and metrics uses of this desk, now."""
        return SignalDesk(
            store=self.store,
            names=self.names,
            redaction=self.redaction,
            caps=self.caps,
            now_s=self.clock(),
        )


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


STREAM_FROM_BYTES = 32 * 1024 * 1024
"""Trace files this large or larger are read piece by piece."""
BATCH_SPANS = 50_000
"""Spans (in whole traces) parsed, linked and stored at a time when streaming."""
SPILL_PART_BYTES = 32 * 1024 * 1024
"""Bytes of a file whose spans are parked in one file, when its traces come in parts."""
_HEAD_BYTES = 4096


def import_file(
    desk: ImportDesk,
    path: Path,
    fmt: TraceFormat | None = None,
    *,
    stream_from: int = STREAM_FROM_BYTES,
) -> FileImport | SignalImport:
    """Import one file (traces, or OTLP logs or metrics); a malformed one stores nothing.

    A trace file of `stream_from` bytes or more is streamed.
    """
    source = str(path)
    head = _streamed_head(path, stream_from)
    if head is not None:
        return _import_streamed(desk, path, fmt, head)
    data = read_trace_file(path)
    signal = signal_of(data) if fmt in (None, TraceFormat.OTLP) else None
    if signal is not None:
        return import_signals(desk.signals(), data, signal, source=source)
    read = parse_traces(data, source=source, fmt=fmt)
    window = import_window(desk.clock())
    spans, refused = _preparation(desk, window).spans(read)
    if read and not spans:
        raise TraceFormatError(f"{source}: every span refused: {window.reason}")
    linked = link(spans)
    result = desk.store.ingest(
        linked.calls,
        linked.served,
        now_s=desk.clock(),
        source=source,
        spans=len(spans),
        admit=admission(desk.names, IMPORT_SOURCE, rate=False),
    )
    say_refused(desk.names, now_s=desk.clock())
    desk.map_changed()
    return FileImport(
        source=source,
        spans=len(spans),
        traces=linked.traces,
        calls_new=result.calls_new,
        calls_duplicate=result.calls_duplicate,
        refused=refused,
        reason=window.reason if refused else None,
    )


def _streamed_head(path: Path, stream_from: int) -> bytes | None:
    """The first bytes of a trace file to stream, or None when it is read whole."""
    try:
        if path.stat().st_size < stream_from:
            return None
        with path.open("rb") as file:
            head = file.read(_HEAD_BYTES)
    except OSError:
        return None  # reading it again says why it cannot be
    return head if pieces.streamable(head) else None


def _import_streamed(
    desk: ImportDesk, path: Path, fmt: TraceFormat | None, head: bytes
) -> FileImport:
    """Import a trace file piece by piece, batch by batch, in one transaction."""
    source = str(path)
    window = import_window(desk.clock())
    prep = _preparation(desk, window)
    counts = _Counts()
    try:
        with path.open("rb") as file, tempfile.TemporaryDirectory(prefix="svcmap-") as spill:
            if pieces.whole_traces(head):
                batches = stream_linked(
                    file.read, source=source, prep=prep, fmt=fmt, batch_spans=BATCH_SPANS
                )
                linked = _linked(batches, window, counts, source)
            else:
                parts = math.ceil(path.stat().st_size / SPILL_PART_BYTES)
                linked = _linked_whole(
                    stream_traces(file.read, source=source, fmt=fmt, batch_spans=BATCH_SPANS),
                    prep,
                    counts,
                    source,
                    spill=SpanSpill(Path(spill), parts),
                )
            result = desk.store.ingest_batches(
                linked,
                now_s=desk.clock(),
                source=source,
                admit=admission(desk.names, IMPORT_SOURCE, rate=False),
            )
    except OSError as error:
        raise TraceFormatError(f"{source}: cannot read: {error.strerror}") from None
    say_refused(desk.names, now_s=desk.clock())
    desk.map_changed()
    return FileImport(
        source=source,
        spans=counts.spans,
        traces=counts.traces,
        calls_new=result.calls_new,
        calls_duplicate=result.calls_duplicate,
        refused=counts.refused,
        reason=window.reason if counts.refused else None,
    )


def _preparation(desk: ImportDesk, window: TimeWindow) -> Preparation:
    """How read spans are made ready to link."""
    return Preparation(
        window,
        desk.redaction,
        infer_peers=desk.infer_peers,
        strict_trace_id=desk.strict_trace_id,
    )


@dataclass(slots=True)
class _Counts:
    spans: int = 0
    traces: int = 0
    refused: int = 0


def _linked(
    batches: Iterator[LinkedBatch], window: TimeWindow, counts: _Counts, source: str
) -> Iterator[tuple[Sequence[Call], Sequence[Served], int]]:
    """Each batch's calls, as `import_file` makes them from a whole file; counted in `counts`."""
    for batch in batches:
        counts.spans += batch.spans
        counts.refused += batch.refused
        counts.traces += batch.linked.traces
        yield batch.linked.calls, batch.linked.served, batch.spans
    if counts.refused and not counts.spans:
        raise TraceFormatError(f"{source}: every span refused: {window.reason}")


def _linked_whole(
    batches: Iterator[list[Span]],
    prep: Preparation,
    counts: _Counts,
    source: str,
    *,
    spill: SpanSpill,
) -> Iterator[tuple[Sequence[Call], Sequence[Served], int]]:
    """As `_linked`, for batches holding parts of traces: all parked by trace, then linked."""
    try:
        for read in batches:
            spans, refused = prep.spans(read)
            counts.spans += len(spans)
            counts.refused += refused
            spill.add(spans)
        if counts.refused and not counts.spans:
            raise TraceFormatError(f"{source}: every span refused: {prep.window.reason}")
        for spans in spill.parts():
            linked = link(spans)
            counts.traces += linked.traces
            yield linked.calls, linked.served, len(spans)
    finally:
        spill.close()
