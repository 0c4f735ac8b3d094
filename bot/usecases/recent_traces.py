"""The spans of recently received traces, and which client spans wait for their server spans.

A client span that names its peer links to a call on its own, and to a different one
(keyed by the server span) once the peer's server span arrives: stored both ways, the
call would count twice. So such a client span waits, up to `pairing_wait` seconds, for
its server span before it is linked alone, as the OpenTelemetry servicegraph connector
waits for the other half of an edge. Spans whose peer is a database or a broker (which
report no spans) do not wait.

A waiting span is also kept in the store (`pending_spans`), so that an export answered
before its client spans were linked loses nothing when the process dies: `Ready` says
which spans to keep there and which rows are done with. Spans read back from the store
(`restored`) wait here again, as if received.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from topology.linking import group_by_trace
from topology.model import Span, SpanKind

KEEP_SECONDS = 300
KEEP_SPANS = 200_000
PAIRING_WAIT_SECONDS = 10

SpanKey = tuple[str, str | None, object]
Parked = tuple[Span, int]
"""A waiting span and when it stops waiting."""


@dataclass(slots=True)
class Ready:
    """What a change of the recent traces asks to store."""

    spans: list[Span] = field(default_factory=list)
    """The spans to link (those of their traces stored before come again)."""
    waiting: list[Parked] = field(default_factory=list)
    """Client spans to keep waiting in the store (not kept there yet)."""
    settled: list[Span] = field(default_factory=list)
    """Spans kept waiting in the store before, now among `spans`: their rows go."""

    def without(self, gone: Sequence[Span]) -> Ready:
        """The same, less the spans `gone`."""
        keys = {(span.trace_id, key_of(span)) for span in gone}

        def kept(span: Span) -> bool:
            return (span.trace_id, key_of(span)) not in keys

        return Ready(
            [span for span in self.spans if kept(span)],
            [(span, until) for span, until in self.waiting if kept(span)],
            [span for span in self.settled if kept(span)],
        )


@dataclass(slots=True)
class _Trace:
    seen_s: int
    spans: dict[SpanKey, Span] = field(default_factory=dict)
    waiting: dict[SpanKey, int] = field(default_factory=dict)
    """Client spans that may still get a server span, with when they stop waiting."""
    parked: set[SpanKey] = field(default_factory=set)
    """Spans that may be kept waiting in the store."""


def may_get_a_server(span: Span) -> bool:
    """Whether `span` names a peer that may report the call's server span itself."""
    if span.remote_service is None or span.peer_kind is not None:
        return False
    return span.kind is SpanKind.CLIENT or (span.kind is None and span.local_service is not None)


def key_of(span: Span) -> SpanKey:
    """The span's key within its trace."""
    return span.span_id, span.local_service, span.kind


def callers_missing(spans: Sequence[Span]) -> list[str]:
    """The traces among `spans` where a callee's span lacks its parent: a client may be waiting.

    A callee's span is a server span, or one without kind (an SDK's internal span).
    """
    missing: list[str] = []
    for trace_id, fresh in group_by_trace(spans).items():
        ids = {span.span_id for span in fresh}
        if any(
            span.parent_id is not None
            and span.parent_id not in ids
            and (span.kind is SpanKind.SERVER or span.kind is None)
            for span in fresh
        ):
            missing.append(trace_id)
    return missing


class RecentTraces:
    """The spans of recently received traces, bounded in age and number, thread-safe.

    A span received twice (an export sent again) is kept once. `add` and `due` answer
    the spans ready to link: a trace's spans, less its client spans still waiting.
    """

    def __init__(
        self,
        *,
        keep_seconds: int = KEEP_SECONDS,
        keep_spans: int = KEEP_SPANS,
        pairing_wait: int = PAIRING_WAIT_SECONDS,
    ) -> None:
        self._traces: dict[str, _Trace] = {}
        self._waiting: dict[str, int] = {}
        self._due: list[tuple[int, str]] = []  # a heap of (until, trace id), some stale
        self._spans = 0
        self._keep_seconds = keep_seconds
        self._keep_spans = keep_spans
        self._pairing_wait = pairing_wait
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._spans

    @property
    def waiting(self) -> int:
        """How many traces hold a client span waiting for its server span."""
        return len(self._waiting)

    def unknown(self, trace_ids: Iterable[str]) -> list[str]:
        """Those of `trace_ids` no span is kept of."""
        with self._lock:
            return [trace_id for trace_id in trace_ids if trace_id not in self._traces]

    def add(self, spans: Sequence[Span], *, now_s: int) -> list[Span]:
        """Remember `spans`; return the spans of their traces ready to link."""
        return self.receive(spans, now_s=now_s).spans

    def receive(
        self, spans: Sequence[Span], *, now_s: int, restored: Sequence[Parked] = ()
    ) -> Ready:
        """Remember `spans` (and `restored` ones, waiting); what their traces ask to store."""
        ready = Ready()
        with self._lock:
            self._restore(restored, now_s)
            self._forget(now_s, ready)
            self._released(now_s, ready)
            touched: list[_Trace] = []
            for trace_id, fresh in group_by_trace(spans).items():
                trace = self._traces.get(trace_id)
                if trace is None:
                    trace = self._traces[trace_id] = _Trace(now_s)
                before = len(trace.spans)
                for span in fresh:
                    key = key_of(span)
                    if key not in trace.spans and may_get_a_server(span):
                        trace.waiting[key] = now_s + self._pairing_wait
                    trace.spans[key] = span
                self._spans += len(trace.spans) - before
                self._ready(trace_id, trace, now_s, ready)
                touched.append(trace)
            self._forget(now_s, ready)
            for trace in touched:
                for key, until in trace.waiting.items():
                    if key not in trace.parked:
                        trace.parked.add(key)
                        ready.waiting.append((trace.spans[key], until))
        return ready

    def due(self, *, now_s: int, everything: bool = False) -> list[Span]:
        """The spans of traces whose client spans waited long enough (all, if `everything`)."""
        return self.settle(now_s=now_s, everything=everything).spans

    def settle(
        self, *, now_s: int, everything: bool = False, restored: Sequence[Parked] = ()
    ) -> Ready:
        """The spans of traces whose client spans waited long enough (all, if `everything`).

        `restored` spans, done waiting, come with the spans of their traces.
        """
        ready = Ready()
        with self._lock:
            self._restore(restored, now_s)
            if everything:
                for trace_id in list(self._waiting):
                    self._ready(trace_id, self._traces[trace_id], None, ready)
                self._due.clear()
            else:
                self._released(now_s, ready)
            again = {span.trace_id for span, _ in restored} - {s.trace_id for s in ready.spans}
            for trace_id in again:
                trace = self._traces.get(trace_id)
                if trace is not None:
                    self._ready(trace_id, trace, now_s, ready)
        return ready

    def hold(self, spans: Sequence[Span], *, until_s: int) -> None:
        """Hold again, until `until_s`, client spans released but not stored (a failed store)."""
        with self._lock:
            for span in spans:
                trace = self._traces.get(span.trace_id)
                key = key_of(span)
                if trace is None or key not in trace.spans or not may_get_a_server(span):
                    continue
                trace.waiting[key] = until_s
                self._note_due(span.trace_id, trace)

    def unpark(self, spans: Iterable[Span]) -> None:
        """Note that `spans` are not kept waiting in the store (their rows went, or never came)."""
        with self._lock:
            for span in spans:
                trace = self._traces.get(span.trace_id)
                if trace is not None:
                    trace.parked.discard(key_of(span))

    def forget(self, spans: Iterable[Span]) -> None:
        """Forget `spans`: their calls were stored elsewhere, and are not to be linked here."""
        with self._lock:
            for span in spans:
                trace = self._traces.get(span.trace_id)
                key = key_of(span)
                if trace is None or trace.spans.pop(key, None) is None:
                    continue
                self._spans -= 1
                trace.parked.discard(key)
                if trace.waiting.pop(key, None) is not None:
                    self._note_due(span.trace_id, trace)

    def _restore(self, restored: Sequence[Parked], now_s: int) -> None:
        """Keep spans read back from the store, waiting until their time unless known."""
        for span, until in restored:
            trace = self._traces.get(span.trace_id)
            if trace is None:
                trace = self._traces[span.trace_id] = _Trace(now_s)
            key = key_of(span)
            trace.parked.add(key)
            if key in trace.spans:
                continue
            trace.spans[key] = span
            trace.waiting[key] = until
            self._spans += 1
            self._note_due(span.trace_id, trace)

    def _released(self, now_s: int, ready: Ready) -> None:
        while self._due and self._due[0][0] <= now_s:
            until, trace_id = heapq.heappop(self._due)
            if self._waiting.get(trace_id) == until:
                self._ready(trace_id, self._traces[trace_id], now_s, ready)

    def _ready(self, trace_id: str, trace: _Trace, now_s: int | None, ready: Ready) -> None:
        """Add to `ready` the trace's spans but its client spans still waiting; note when due."""
        if trace.waiting:
            answered = {span.parent_id for span in trace.spans.values()}
            answered.update(s.span_id for s in trace.spans.values() if s.kind is SpanKind.SERVER)
            for key, until in list(trace.waiting.items()):
                if key[0] in answered or now_s is None or until <= now_s:
                    del trace.waiting[key]
        self._note_due(trace_id, trace)
        if not trace.waiting and not trace.parked:
            ready.spans.extend(trace.spans.values())
            return
        for key, span in trace.spans.items():
            if key in trace.waiting:
                continue
            ready.spans.append(span)
            if key in trace.parked:
                ready.settled.append(span)

    def _note_due(self, trace_id: str, trace: _Trace) -> None:
        """Note when the trace's first waiting client span is due, or that none waits."""
        if not trace.waiting:
            self._waiting.pop(trace_id, None)
            return
        until = min(trace.waiting.values())
        if self._waiting.get(trace_id) != until:
            self._waiting[trace_id] = until
            heapq.heappush(self._due, (until, trace_id))

    def _forget(self, now_s: int, ready: Ready) -> None:
        """Drop the oldest traces while too old or too many; the spans that waited are ready."""
        oldest = now_s - self._keep_seconds
        while self._traces:
            trace_id, trace = next(iter(self._traces.items()))
            if trace.seen_s >= oldest and self._spans <= self._keep_spans:
                break
            if trace.waiting:
                self._ready(trace_id, trace, None, ready)
            del self._traces[trace_id]
            self._spans -= len(trace.spans)
