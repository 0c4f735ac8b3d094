"""One refresh pass: pull every live source once, store what it gave, note how it went.

Trace sources give spans, linked into calls; edge sources give edges summed elsewhere; a
signal source gives each service's metrics per minute (CPU, memory), stored as imported
metrics are, a minute asked for again taking the place of what it held.

The sources retry their own requests (`bot.adapters.sources.retry`); a pass asks each once
and reports the retries it saw. A pass works through the ports `Refreshing` names; the
composition root (`bot.bootstrap.refreshing`) builds them from the app.

The catalog source is read by every process (each keeps its own catalog in memory); the
trace and edge sources by one process at a time, under the refresh lease.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from bot.adapters.sources import CatalogSource, EdgeSource, SignalSource, TraceSource
from bot.adapters.sources.retry import retries_of
from bot.adapters.store.ports import MapWriter, SignalWriter, SourceProgress
from bot.usecases.name_caps import REFRESH_PREFIX, say_refused
from topology.cardinality import Admission, NameGate
from topology.errors import SourceError, TraceFormatError
from topology.linking import link, with_inferred_peers
from topology.ownership import Catalog
from topology.redaction import Redaction
from topology.refresh_window import MAX_MINUTES, MINUTE, edge_minutes, trace_window
from topology.time_window import live_window, spans_within
from topology.trace_ids import lower_trace_ids

LEASE = "refresh"
"""Name of the lease that keeps the refresh on one replica at a time."""

_US = 1_000_000
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourcePass:
    """What one source gave in a pass: spans (0 for an edge source), new calls, or an error.

    `tries` is one more than the retries the pass made. A catalog source gives
    `entities` instead, and `notes` on the entities it left out.
    """

    name: str
    spans: int = 0
    calls_new: int = 0
    tries: int = 1
    error: str | None = None
    entities: int | None = None
    notes: tuple[str, ...] = ()
    refused: int = 0
    """Spans refused for a time outside the live window."""
    points: int | None = None
    """Metric points stored, for a signal source (its `calls_new` is 0)."""
    left_out: int = 0
    """A signal source's series without a service's name, samples that were not numbers,
    points past the cap of metric names and points whose service the caps on new names
    refused."""

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        data: dict[str, object] = {
            "source": self.name,
            "spans": self.spans,
            "calls_new": self.calls_new,
            "tries": self.tries,
            "error": self.error,
        }
        if self.entities is not None:
            data |= {"entities": self.entities, "notes": list(self.notes)}
        if self.refused:
            data["refused"] = self.refused
        if self.points is not None:
            data |= {"points": self.points, "left_out": self.left_out}
        return data


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """A pass: whether this process held the lease, and each source's outcome."""

    leased: bool
    sources: list[SourcePass] = field(default_factory=list)

    @property
    def all_failed(self) -> bool:
        """Whether there were sources and every one of them failed."""
        return bool(self.sources) and all(item.error for item in self.sources)


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    """The settings a pass follows: how far back it asks, how much, what it keeps."""

    interval_s: int
    overlap_s: int
    trace_limit: int
    retention_s: int
    skew_s: int
    metric_name_cap: int
    """Metric names kept per service, for a signal source's points."""
    infer_peers: bool = False
    strict_trace_id: bool = False


@dataclass(frozen=True, slots=True)
class Refreshing:
    """What a pass works with: the sources, where it writes, and the process's caches."""

    policy: RefreshPolicy
    sources: Sequence[TraceSource | EdgeSource | SignalSource]
    catalog_source: CatalogSource | None
    writer: MapWriter
    progress: SourceProgress
    use_catalog: Callable[[Catalog], None]
    """Answer with a catalog the source just read (the file's entries laid over it)."""
    redaction: Redaction
    names: NameGate
    map_changed: Callable[[], None]
    """Forget what was worked out from the map before this pass stored new calls."""
    now: Callable[[], int]
    signals: SignalWriter | None = None
    """Where a signal source's points are stored; needed only with a signal source."""


def refresh_once(deps: Refreshing, *, holder: str) -> RefreshReport:
    """Read the catalog source, then pull each trace and edge source under the refresh lease.

    One failure stops no other.
    """
    catalog = [refresh_catalog(deps)] if deps.catalog_source is not None else []
    if not deps.sources:
        return RefreshReport(leased=True, sources=catalog)
    ttl = 3 * deps.policy.interval_s
    if not deps.progress.try_lease(LEASE, holder, deps.now(), ttl):
        return RefreshReport(leased=False, sources=catalog)
    try:
        passes = [_pull(deps, source) for source in deps.sources]
    finally:
        deps.progress.release_lease(LEASE, holder)
    return RefreshReport(leased=True, sources=catalog + passes)


def refresh_catalog(deps: Refreshing) -> SourcePass:
    """Read the catalog source once; on success answer with it, on failure keep the last good.

    Its state's high water is the time of the last good read, so its lag says how old
    the catalog in use is.
    """
    source = deps.catalog_source
    if source is None:
        return SourcePass("catalog", error="no catalog source configured")
    now = deps.now()
    before = retries_of(source)
    try:
        read = source.read()
    except SourceError as error:
        deps.progress.record_error(source.name, now_s=now, message=str(error))
        return SourcePass(source.name, tries=_tries(source, before), error=str(error), entities=0)
    deps.use_catalog(read.catalog)
    deps.progress.record_success(source.name, high_water=now, now_s=now, spans=read.entities)
    tries = _tries(source, before)
    return SourcePass(source.name, tries=tries, entities=read.entities, notes=read.notes)


def _pull(deps: Refreshing, source: TraceSource | EdgeSource | SignalSource) -> SourcePass:
    now = deps.now()
    before = retries_of(source)
    state = deps.progress.get(source.name)
    high_water = state.high_water if state else None
    end: int | None
    refused = 0
    stored: tuple[int, int] | None = None
    try:
        if isinstance(source, TraceSource):
            spans, calls, end, refused = _pull_traces(deps, source, high_water, now)
        elif isinstance(source, SignalSource):
            spans, calls = 0, 0
            stored, end = _pull_signals(deps, source, high_water, now)
        else:
            spans, calls, end = _pull_edges(deps, source, high_water, now)
    except (SourceError, TraceFormatError) as error:
        deps.progress.record_error(source.name, now_s=now, message=str(error))
        return SourcePass(source.name, tries=_tries(source, before), error=str(error))
    if end is not None:
        deps.progress.record_success(source.name, high_water=end, now_s=now, spans=spans)
    tries = _tries(source, before)
    if stored is not None:
        points, left_out = stored
        return SourcePass(source.name, tries=tries, points=points, left_out=left_out)
    return SourcePass(source.name, spans, calls, tries=tries, refused=refused)


def _tries(source: object, before: int) -> int:
    """The requests a pass made of `source`: one, and the retries it counted since `before`."""
    return 1 + retries_of(source) - before


def _pull_traces(
    deps: Refreshing, source: TraceSource, high_water: int | None, now: int
) -> tuple[int, int, int, int]:
    policy = deps.policy
    start, end = trace_window(
        high_water, now, interval_s=policy.interval_s, overlap_s=policy.overlap_s
    )
    spans = source.traces(start_us=start * _US, end_us=end * _US, limit=policy.trace_limit)
    window = live_window(now, retention_s=policy.retention_s, skew_s=policy.skew_s)
    spans, refused = spans_within(spans, window)
    deps.redaction.spans(spans)
    if refused:
        _log.info("%s: refused %d spans: %s", source.name, refused, window.reason)
    if policy.infer_peers:
        spans = with_inferred_peers(spans)
    if not policy.strict_trace_id:
        lower_trace_ids(spans)
    linked = link(spans)
    name = f"{REFRESH_PREFIX}{source.name}"
    result = deps.writer.ingest(
        linked.calls,
        linked.served,
        now_s=now,
        source=name,
        spans=len(spans),
        admit=Admission(deps.names, name),
    )
    say_refused(deps.names, now_s=now)
    deps.map_changed()
    return len(spans), result.calls_new, end, refused


def _pull_edges(
    deps: Refreshing, source: EdgeSource, high_water: int | None, now: int
) -> tuple[int, int, int | None]:
    policy = deps.policy
    minutes = edge_minutes(
        high_water, now, interval_s=policy.interval_s, overlap_s=policy.overlap_s
    )
    calls = 0
    name = f"{REFRESH_PREFIX}{source.name}"
    for minute in minutes:
        edges = deps.redaction.edges(source.edges(start_s=minute, end_s=minute + MINUTE))
        calls += deps.writer.ingest_edges(
            edges, minute_s=minute, source=name, admit=Admission(deps.names, name), now_s=now
        )
    say_refused(deps.names, now_s=now)
    deps.map_changed()
    end = minutes[-1] + MINUTE if minutes else None
    return 0, calls, end


def _pull_signals(
    deps: Refreshing, source: SignalSource, high_water: int | None, now: int
) -> tuple[tuple[int, int], int | None]:
    """Store the signals of the whole minutes since the high water (less the overlap).

    A first pass asks for the last `MAX_MINUTES`, so that ranking has a baseline at once.
    Answers the points stored and those left out, and the end of the last minute read.
    Each minute read takes the place of what it held, so the overlap counts nothing twice.
    """
    if deps.signals is None:
        raise SourceError(f"{source.name}: this process stores no signals")
    policy = deps.policy
    if high_water is None:  # the backend keeps history: a first pass fills the last hour in
        high_water = now - now % MINUTE - MAX_MINUTES * MINUTE + policy.overlap_s
    minutes = edge_minutes(
        high_water, now, interval_s=policy.interval_s, overlap_s=policy.overlap_s
    )
    if not minutes:
        return (0, 0), None
    admit = Admission(deps.names, f"{REFRESH_PREFIX}{source.name}")
    stored_points = left_out = 0
    for signal in source.signals:  # one at a time: a signal's points are let go when stored
        read = source.points(signal, start_s=minutes[0], end_s=minutes[-1] + MINUTE)
        points = deps.redaction.metric_points(read.points)
        kept, _ = deps.signals.admitted_services(points, _SERVICE, admit, now_s=now)
        stored = deps.signals.ingest_metrics(kept, cap=policy.metric_name_cap, replace=True)
        stored_points += stored.points
        left_out += read.unlabelled + read.unusable + stored.dropped + len(points) - len(kept)
        if read.unlabelled or read.unusable:
            _log.info(
                "%s: %s: left out %d series without a service's name, %d samples not usable",
                source.name,
                signal,
                read.unlabelled,
                read.unusable,
            )
    say_refused(deps.names, now_s=now)
    return (stored_points, left_out), minutes[-1] + MINUTE


_SERVICE = attrgetter("service")
