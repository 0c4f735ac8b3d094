"""One refresh pass: pull every live source once, store what it gave, note how it went.

The sources retry their own requests (`topology.sources.retry`); a pass asks each once
and reports the retries it saw.

The catalog source is read by every process (each keeps its own catalog in memory); the
trace and edge sources by one process at a time, under the refresh lease.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.bootstrap import App, Source
from bot.usecases.name_caps import REFRESH_PREFIX, admission, say_refusals
from topology.errors import SourceError, TraceFormatError
from topology.linking import link, with_inferred_peers
from topology.refresh_window import MINUTE, edge_minutes, trace_window
from topology.sources import EdgeSource, TraceSource
from topology.sources.retry import retries_of
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


def refresh_once(app: App, *, holder: str) -> RefreshReport:
    """Read the catalog source, then pull each trace and edge source under the refresh lease.

    One failure stops no other.
    """
    catalog = [refresh_catalog(app)] if app.catalog_source is not None else []
    if not app.sources:
        return RefreshReport(leased=True, sources=catalog)
    ttl = 3 * app.settings.refresh_interval
    if not app.states.try_lease(LEASE, holder, app.now(), ttl):
        return RefreshReport(leased=False, sources=catalog)
    try:
        passes = [_pull(app, source) for source in app.sources]
    finally:
        app.states.release_lease(LEASE, holder)
    return RefreshReport(leased=True, sources=catalog + passes)


def refresh_catalog(app: App) -> SourcePass:
    """Read the catalog source once; on success answer with it, on failure keep the last good.

    Its state's high water is the time of the last good read, so its lag says how old
    the catalog in use is.
    """
    source = app.catalog_source
    if source is None:
        return SourcePass("catalog", error="no catalog source configured")
    now = app.now()
    before = retries_of(source)
    try:
        read = source.read()
    except SourceError as error:
        app.states.record_error(source.name, now_s=now, message=str(error))
        tries = 1 + retries_of(source) - before
        return SourcePass(source.name, tries=tries, error=str(error), entities=0)
    app.catalogs.update(read.catalog)
    app.states.record_success(source.name, high_water=now, now_s=now, spans=read.entities)
    tries = 1 + retries_of(source) - before
    return SourcePass(source.name, tries=tries, entities=read.entities, notes=read.notes)


def _pull(app: App, source: Source) -> SourcePass:
    now = app.now()
    before = retries_of(source)
    state = app.states.get(source.name)
    high_water = state.high_water if state else None
    end: int | None
    refused = 0
    try:
        if isinstance(source, TraceSource):
            spans, calls, end, refused = _pull_traces(app, source, high_water, now)
        else:
            spans, calls, end = _pull_edges(app, source, high_water, now)
    except (SourceError, TraceFormatError) as error:
        app.states.record_error(source.name, now_s=now, message=str(error))
        return SourcePass(source.name, tries=1 + retries_of(source) - before, error=str(error))
    if end is not None:
        app.states.record_success(source.name, high_water=end, now_s=now, spans=spans)
    tries = 1 + retries_of(source) - before
    return SourcePass(source.name, spans, calls, tries=tries, refused=refused)


def _pull_traces(
    app: App, source: TraceSource, high_water: int | None, now: int
) -> tuple[int, int, int, int]:
    settings = app.settings
    start, end = trace_window(
        high_water, now, interval_s=settings.refresh_interval, overlap_s=settings.refresh_overlap
    )
    spans = source.traces(start_us=start * _US, end_us=end * _US, limit=settings.trace_limit)
    window = live_window(now, retention_s=settings.retain_minutes, skew_s=settings.max_clock_skew)
    spans, refused = spans_within(spans, window)
    app.redaction.spans(spans)
    if refused:
        _log.info("%s: refused %d spans: %s", source.name, refused, window.reason)
    if settings.infer_peers:
        spans = with_inferred_peers(spans)
    if not settings.strict_trace_id:
        lower_trace_ids(spans)
    linked = link(spans)
    name = f"{REFRESH_PREFIX}{source.name}"
    result = app.store.ingest(
        linked.calls,
        linked.served,
        now_s=now,
        source=name,
        spans=len(spans),
        admit=admission(app, name),
    )
    say_refusals(app)
    app.graphs.clear()
    return len(spans), result.calls_new, end, refused


def _pull_edges(
    app: App, source: EdgeSource, high_water: int | None, now: int
) -> tuple[int, int, int | None]:
    settings = app.settings
    minutes = edge_minutes(
        high_water, now, interval_s=settings.refresh_interval, overlap_s=settings.refresh_overlap
    )
    calls = 0
    name = f"{REFRESH_PREFIX}{source.name}"
    for minute in minutes:
        edges = app.redaction.edges(source.edges(start_s=minute, end_s=minute + MINUTE))
        calls += app.store.ingest_edges(
            edges, minute_s=minute, source=name, admit=admission(app, name), now_s=now
        )
    say_refusals(app)
    app.graphs.clear()
    end = minutes[-1] + MINUTE if minutes else None
    return 0, calls, end
