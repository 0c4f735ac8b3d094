"""Receive spans pushed over OTLP: link them with their trace's recent spans, store them.

Each service exports its own spans, so one export seldom holds a whole trace: a server
span comes in one request, its client span in another. Recent spans are kept per trace
for a while and every export is linked with the spans of its traces seen before; the
store counts a call it already has once, so re-linking a trace adds only what is new.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bot.bootstrap import App
from topology.linking import group_by_trace, link
from topology.model import Span

OTLP_SOURCE = "otlp"
"""The source name pushed spans are stored under."""

KEEP_SECONDS = 300
KEEP_SPANS = 200_000


@dataclass(frozen=True, slots=True)
class Received:
    """What storing one export did."""

    spans: int
    calls_new: int
    calls_duplicate: int


SpanKey = tuple[str, str | None, object]


class RecentTraces:
    """The spans of recently received traces, bounded in age and number, thread-safe.

    A span received twice (an export sent again) is kept once.
    """

    def __init__(self, *, keep_seconds: int = KEEP_SECONDS, keep_spans: int = KEEP_SPANS) -> None:
        self._traces: dict[str, tuple[int, dict[SpanKey, Span]]] = {}
        self._spans = 0
        self._keep_seconds = keep_seconds
        self._keep_spans = keep_spans
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._spans

    def add(self, spans: Sequence[Span], *, now_s: int) -> list[Span]:
        """Remember `spans`; return them with the earlier spans of the same traces."""
        together: list[Span] = []
        with self._lock:
            self._forget(now_s)
            for trace_id, fresh in group_by_trace(spans).items():
                known = self._traces.get(trace_id)
                if known is None:
                    known = self._traces[trace_id] = (now_s, {})
                kept = known[1]
                before = len(kept)
                for span in fresh:
                    kept[(span.span_id, span.local_service, span.kind)] = span
                self._spans += len(kept) - before
                together.extend(kept.values())
            self._forget(now_s)
        return together

    def _forget(self, now_s: int) -> None:
        oldest = now_s - self._keep_seconds
        while self._traces:
            trace_id, (seen, kept) = next(iter(self._traces.items()))
            if seen >= oldest and self._spans <= self._keep_spans:
                return
            del self._traces[trace_id]
            self._spans -= len(kept)


def store_spans(app: App, spans: Sequence[Span], recent: RecentTraces | None = None) -> Received:
    """Link the spans of one export (with `recent` spans of their traces) and store them."""
    if not spans:
        return Received(0, 0, 0)
    now_s = app.now()
    linked = link(recent.add(spans, now_s=now_s) if recent is not None else spans)
    result = app.store.ingest(
        linked.calls, linked.served, now_s=now_s, source=OTLP_SOURCE, spans=len(spans)
    )
    if result.calls_new:
        app.graphs.changed()
    return Received(len(spans), result.calls_new, result.calls_duplicate)
