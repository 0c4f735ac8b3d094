"""Receive spans pushed over OTLP: link them with their trace's recent spans, store them.

Each service exports its own spans, so one export seldom holds a whole trace: a server
span comes in one request, its client span in another. Recent spans are kept per trace
for a while and every export is linked with the spans of its traces seen before; the
store counts a call it already has once, so re-linking a trace adds only what is new.

A client span that names its peer links to a call on its own, and to a different one
(keyed by the server span) once the peer's server span arrives: stored both ways, the
call would count twice. So such a client span waits, up to `pairing_wait` seconds, for
its server span before it is linked alone, as the OpenTelemetry servicegraph connector
waits for the other half of an edge. Spans whose peer is a database or a broker (which
report no spans) do not wait.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from bot.bootstrap import App
from bot.usecases.name_caps import admission, say_refusals
from topology.errors import SvcmapError
from topology.linking import group_by_trace, link
from topology.model import Span, SpanKind
from topology.time_window import live_window, spans_within
from topology.trace_ids import lower_trace_ids

OTLP_SOURCE = "otlp"
"""The source name pushed spans are stored under."""

KEEP_SECONDS = 300
KEEP_SPANS = 200_000
PAIRING_WAIT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Received:
    """What storing some spans did."""

    spans: int
    calls_new: int
    calls_duplicate: int
    refused: int = 0
    """Spans refused for a time outside the live window (`topology.time_window`)."""
    reason: str | None = None
    """Why they were."""


SpanKey = tuple[str, str | None, object]


@dataclass(slots=True)
class _Trace:
    seen_s: int
    spans: dict[SpanKey, Span] = field(default_factory=dict)
    waiting: dict[SpanKey, int] = field(default_factory=dict)
    """Client spans that may still get a server span, with when they stop waiting."""


def may_get_a_server(span: Span) -> bool:
    """Whether `span` names a peer that may report the call's server span itself."""
    if span.remote_service is None or span.peer_kind is not None:
        return False
    return span.kind is SpanKind.CLIENT or (span.kind is None and span.local_service is not None)


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

    def add(self, spans: Sequence[Span], *, now_s: int) -> list[Span]:
        """Remember `spans`; return the spans of their traces ready to link."""
        ready: list[Span] = []
        with self._lock:
            ready.extend(self._forget(now_s))
            ready.extend(self._released(now_s))
            for trace_id, fresh in group_by_trace(spans).items():
                trace = self._traces.get(trace_id)
                if trace is None:
                    trace = self._traces[trace_id] = _Trace(now_s)
                before = len(trace.spans)
                for span in fresh:
                    key = (span.span_id, span.local_service, span.kind)
                    if key not in trace.spans and may_get_a_server(span):
                        trace.waiting[key] = now_s + self._pairing_wait
                    trace.spans[key] = span
                self._spans += len(trace.spans) - before
                ready.extend(self._ready(trace_id, trace, now_s))
            ready.extend(self._forget(now_s))
        return ready

    def due(self, *, now_s: int, everything: bool = False) -> list[Span]:
        """The spans of traces whose client spans waited long enough (all, if `everything`)."""
        with self._lock:
            if not everything:
                return self._released(now_s)
            ready: list[Span] = []
            for trace_id in list(self._waiting):
                ready.extend(self._ready(trace_id, self._traces[trace_id], None))
            self._due.clear()
            return ready

    def hold(self, spans: Sequence[Span], *, until_s: int) -> None:
        """Hold again, until `until_s`, client spans released but not stored (a failed store)."""
        with self._lock:
            for span in spans:
                trace = self._traces.get(span.trace_id)
                key = (span.span_id, span.local_service, span.kind)
                if trace is None or key not in trace.spans or not may_get_a_server(span):
                    continue
                trace.waiting[key] = until_s
                self._note_due(span.trace_id, trace)

    def _released(self, now_s: int) -> list[Span]:
        ready: list[Span] = []
        while self._due and self._due[0][0] <= now_s:
            until, trace_id = heapq.heappop(self._due)
            if self._waiting.get(trace_id) == until:
                ready.extend(self._ready(trace_id, self._traces[trace_id], now_s))
        return ready

    def _ready(self, trace_id: str, trace: _Trace, now_s: int | None) -> list[Span]:
        """The trace's spans but its client spans still waiting; note when they are due."""
        if trace.waiting:
            answered = {span.parent_id for span in trace.spans.values()}
            answered.update(s.span_id for s in trace.spans.values() if s.kind is SpanKind.SERVER)
            for key, until in list(trace.waiting.items()):
                if key[0] in answered or now_s is None or until <= now_s:
                    del trace.waiting[key]
        self._note_due(trace_id, trace)
        if not trace.waiting:
            return list(trace.spans.values())
        return [span for key, span in trace.spans.items() if key not in trace.waiting]

    def _note_due(self, trace_id: str, trace: _Trace) -> None:
        """Note when the trace's first waiting client span is due, or that none waits."""
        if not trace.waiting:
            self._waiting.pop(trace_id, None)
            return
        until = min(trace.waiting.values())
        if self._waiting.get(trace_id) != until:
            self._waiting[trace_id] = until
            heapq.heappush(self._due, (until, trace_id))

    def _forget(self, now_s: int) -> Iterable[Span]:
        """Drop the oldest traces while too old or too many; answer the spans that waited."""
        oldest = now_s - self._keep_seconds
        released: list[Span] = []
        while self._traces:
            trace_id, trace = next(iter(self._traces.items()))
            if trace.seen_s >= oldest and self._spans <= self._keep_spans:
                break
            if trace.waiting:
                released.extend(self._ready(trace_id, trace, None))
            del self._traces[trace_id]
            self._spans -= len(trace.spans)
        return released


class Receiver:
    """Stores pushed spans into `app`, pairing them through `recent`."""

    def __init__(self, app: App, recent: RecentTraces | None = None) -> None:
        self._app = app
        self.recent = recent or RecentTraces(pairing_wait=app.settings.otlp_pairing_wait)

    def receive(self, spans: Sequence[Span]) -> Received:
        """Store what the spans of one export (with their traces' recent spans) link to.

        Spans stamped outside the live window are refused and counted. When the store
        fails, the export is to be sent again (the exporter retries a 503); client spans
        released with it wait again, to be stored with the next try.
        """
        if not spans:
            return Received(0, 0, 0)
        now_s = self._app.now()
        settings = self._app.settings
        window = live_window(
            now_s, retention_s=settings.retain_minutes, skew_s=settings.max_clock_skew
        )
        kept, refused = spans_within(spans, window)
        if not settings.strict_trace_id:
            lower_trace_ids(kept)
        reason = window.reason if refused else None
        if not kept:
            return Received(0, 0, 0, refused, reason)
        stored = self._store(self.recent.add(kept, now_s=now_s), now_s, spans=len(kept))
        return replace(stored, refused=refused, reason=reason)

    def settle(self, *, everything: bool = False) -> Received:
        """Store the calls of client spans that waited for a server span long enough.

        When the store fails they wait again, for the next call.
        """
        now_s = self._app.now()
        return self._store(self.recent.due(now_s=now_s, everything=everything), now_s, spans=0)

    def _store(self, ready: Sequence[Span], now_s: int, *, spans: int) -> Received:
        if not ready:
            return Received(spans, 0, 0)
        linked = link(ready)
        try:
            result = self._app.store.ingest(
                linked.calls,
                linked.served,
                now_s=now_s,
                source=OTLP_SOURCE,
                spans=spans,
                admit=admission(self._app, OTLP_SOURCE),
            )
        except SvcmapError:
            self.recent.hold(ready, until_s=now_s)
            raise
        say_refusals(self._app)
        if result.calls_new:
            self._app.graphs.changed()
        return Received(spans, result.calls_new, result.calls_duplicate)
