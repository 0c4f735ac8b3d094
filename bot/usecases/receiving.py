"""Receive spans pushed over OTLP: link them with their trace's recent spans, store them.

Each service exports its own spans, so one export seldom holds a whole trace: a server
span comes in one request, its client span in another. Recent spans are kept per trace
for a while (`RecentTraces`) and every export is linked with the spans of its traces
seen before; the store counts a call it already has once, so re-linking a trace adds
only what is new.

A client span waiting for its server span is kept in the store (`pending_spans`) in the
transaction that stores the rest of its export, so an export answered 200 is all stored
or kept, whatever becomes of this process. A server span whose caller is not among the
recent spans is looked for there: its client span may have come to another process, or
to this one before a restart. A span stops waiting in the transaction that stores its
call, paired or alone; a span kept by a process that died is settled by the next.

A span whose own service is a new name the caps on new names refuse is dropped (and
counted) before it is paired: a flood of new names takes no room among the recent spans
nor among those waiting. The calls it would link to are judged again as they are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Protocol

from bot.adapters.store.pending import PendingKey, SettledElsewhere, Waiting, key_of
from bot.adapters.store.ports import SpanKeeper
from bot.adapters.store.repository import IngestResult, Parking
from bot.usecases.name_caps import admission, say_refused
from bot.usecases.recent_traces import Parked, Ready, RecentTraces, callers_missing
from topology.cardinality import NameGate
from topology.errors import SvcmapError
from topology.linking import link
from topology.model import Span
from topology.redaction import Redaction
from topology.time_window import live_window, spans_within
from topology.trace_ids import lower_trace_ids

OTLP_SOURCE = "otlp"
"""The source name pushed spans are stored under."""

RESTORE_LIMIT = 10_000
"""Waiting spans read back from the store for one export, at most."""

SETTLE_BATCH = 5_000
"""Waiting spans done waiting settled from the store at a time, at most."""

SETTLE_GRACE_S = 5
"""How long past its wait a span kept in the store is left to the process that kept it."""


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
    names_refused: int = 0
    """Spans dropped, their service a new name past the caps on new names."""


class MapChanges(Protocol):
    """Who is told that new calls were stored, so maps of now read before are read again."""

    def changed(self) -> None:
        """New calls were stored."""
        ...


@dataclass(frozen=True, slots=True)
class ReceivingRules:
    """The settings receiving follows.

    `retain_s` and `skew_s` bound the live window spans must fall in; `pairing_wait_s` is
    how long a client span waits for its server span; `strict_trace_id` keeps trace ids'
    case as sent.
    """

    retain_s: int
    skew_s: int
    pairing_wait_s: int
    strict_trace_id: bool


@dataclass(frozen=True, slots=True)
class ReceivingDesk:
    """What receiving uses: the store, the caps on new names, the redaction, the time.

    `maps` is told when new calls are stored; `clock` says the time in Unix seconds.
    """

    store: SpanKeeper
    names: NameGate
    redaction: Redaction
    maps: MapChanges
    rules: ReceivingRules
    clock: Callable[[], int]


class Receiver:
    """Stores pushed spans through `desk`, pairing them through `recent`."""

    def __init__(self, desk: ReceivingDesk, recent: RecentTraces | None = None) -> None:
        self._desk = desk
        self.recent = recent or RecentTraces(pairing_wait=desk.rules.pairing_wait_s)

    def receive(self, spans: Sequence[Span]) -> Received:
        """Store what the spans of one export (with their traces' recent spans) link to.

        Spans stamped outside the live window are refused and counted. When the store
        fails, the export is to be sent again (the exporter retries a 503); client spans
        released with it wait again, to be stored with the next try.
        """
        if not spans:
            return Received(0, 0, 0)
        desk = self._desk
        now_s = desk.clock()
        rules = desk.rules
        window = live_window(now_s, retention_s=rules.retain_s, skew_s=rules.skew_s)
        kept, refused = spans_within(spans, window)
        desk.redaction.spans(kept)
        if not rules.strict_trace_id:
            lower_trace_ids(kept)
        reason = window.reason if refused else None
        admit = admission(desk.names, OTLP_SOURCE)
        let_in, _ = desk.store.admitted_services(kept, _SERVICE, admit, now_s=now_s)
        capped = len(kept) - len(let_in)
        if capped:
            say_refused(desk.names, now_s=desk.clock())
        if not let_in:
            return Received(
                spans=0,
                calls_new=0,
                calls_duplicate=0,
                refused=refused,
                reason=reason,
                names_refused=capped,
            )
        restored, unreadable = self._read_back(let_in)
        ready = self.recent.receive(let_in, now_s=now_s, restored=restored)
        stored = self._store(ready, now_s, spans=len(let_in), unreadable=unreadable)
        return replace(stored, refused=refused, reason=reason, names_refused=capped)

    def settle(self, *, everything: bool = False) -> Received:
        """Store the calls of client spans that waited for a server span long enough.

        Those kept in the store by a process that did not settle them `SETTLE_GRACE_S`
        after their wait (it died) come too; `everything` settles this process's own,
        at shutdown, whether done waiting or not. When the store fails they wait again,
        for the next call.
        """
        now_s = self._desk.clock()
        restored: list[Parked] = []
        unreadable: list[PendingKey] = []
        if not everything:
            due_s = now_s - SETTLE_GRACE_S
            found = self._desk.store.waiting_due(now_s=due_s, limit=SETTLE_BATCH)
            restored, unreadable = _readable(found)
        ready = self.recent.settle(now_s=now_s, everything=everything, restored=restored)
        return self._store(ready, now_s, spans=0, unreadable=unreadable)

    def _read_back(self, spans: Sequence[Span]) -> tuple[list[Parked], list[PendingKey]]:
        """The waiting spans kept in the store for traces of `spans` this process lacks."""
        lacking = self.recent.unknown(callers_missing(spans))
        if not lacking:
            return [], []
        return _readable(self._desk.store.waiting_in(lacking, limit=RESTORE_LIMIT))

    def _store(
        self, ready: Ready, now_s: int, *, spans: int, unreadable: Sequence[PendingKey]
    ) -> Received:
        if not (ready.spans or ready.waiting or ready.settled or unreadable):
            return Received(spans, 0, 0)
        while True:
            try:
                result = self._ingest(ready, now_s, spans=spans, unreadable=unreadable)
                break
            except SettledElsewhere as elsewhere:
                # Counted where they were settled: linked here too, a call would count twice.
                gone = [span for span in ready.settled if key_of(span) in elsewhere.keys]
                self.recent.forget(gone)
                ready = ready.without(gone)
            except SvcmapError:
                self.recent.unpark(span for span, _ in ready.waiting)
                self.recent.hold(ready.spans, until_s=now_s)
                raise
        self.recent.unpark(ready.settled)
        say_refused(self._desk.names, now_s=self._desk.clock())
        if result.calls_new:
            self._desk.maps.changed()
        return Received(spans, result.calls_new, result.calls_duplicate)

    def _ingest(
        self, ready: Ready, now_s: int, *, spans: int, unreadable: Sequence[PendingKey]
    ) -> IngestResult:
        linked = link(ready.spans)
        settled = [key_of(span) for span in ready.settled]
        return self._desk.store.ingest(
            linked.calls,
            linked.served,
            now_s=now_s,
            source=OTLP_SOURCE,
            spans=spans,
            admit=admission(self._desk.names, OTLP_SOURCE),
            parking=Parking(ready.waiting, settled, unreadable),
        )


_SERVICE = attrgetter("local_service")


def _readable(found: Sequence[Waiting]) -> tuple[list[Parked], list[PendingKey]]:
    """The spans read back, each with when it stops waiting; the keys of rows that did not read."""
    return (
        [(row.span, row.until_s) for row in found if row.span is not None],
        [row.key for row in found if row.span is None],
    )
