"""A refresh pass on in-memory fakes of its ports: no database, no HTTP, no monkeypatch.

The pass takes what it works with (`Refreshing`): the sources, where it writes the map,
where it keeps the sources' progress and the lease, and the process's caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.adapters.sources.ports import CatalogRead, EdgeSource, SignalRead, TraceSource
from bot.adapters.sources.retry import Pacing, RetryingTraceSource
from bot.adapters.store.ports import SourceState
from bot.adapters.store.signal_writes import MetricsStored
from bot.usecases.refresh import Refreshing, RefreshPolicy, refresh_catalog, refresh_once
from topology.cardinality import Admission, NameGate, NameLimits
from topology.errors import SourceError
from topology.model import Call, Served, Span, SpanKind
from topology.ownership import Catalog
from topology.redaction import Redaction, parse_rules
from topology.signals.model import MetricPoint
from topology.stats import EdgeStats

NOW = 1_800_000_030
"""30 s into a minute."""
POLICY = RefreshPolicy(
    interval_s=60,
    overlap_s=120,
    trace_limit=100,
    retention_s=3600,
    skew_s=600,
    metric_name_cap=64,
)


def call_pair(trace: str, start_s: int) -> list[Span]:
    """A frontend's CLIENT span and the backend's SERVER span of one call."""
    start_us = start_s * 1_000_000
    client = Span(trace, "1", None, SpanKind.CLIENT, "frontend", None, start_us, 900)
    server = Span(trace, "2", "1", SpanKind.SERVER, "backend", None, start_us + 100, 700)
    return [client, server]


@dataclass
class FakeTraces:
    """A trace source answering the spans it holds, or failing with the errors queued."""

    spans: list[Span]
    name: str = "jaeger"
    errors: list[SourceError] = field(default_factory=list)
    asked: list[tuple[int, int, int]] = field(default_factory=list)

    def services(self) -> list[str]:
        return sorted({span.local_service or "" for span in self.spans})

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        self.asked.append((start_us, end_us, limit))
        if self.errors:
            raise self.errors.pop(0)
        return [span for span in self.spans if start_us <= (span.start_us or 0) < end_us]


@dataclass
class FakeEdges:
    """An edge source answering one edge a minute."""

    name: str = "prometheus"
    asked: list[int] = field(default_factory=list)

    def edges(self, *, start_s: int, end_s: int) -> list[EdgeStats]:
        assert end_s == start_s + 60
        self.asked.append(start_s)
        return [EdgeStats("frontend", "backend", calls=3)]


@dataclass
class FakeWriter:
    """A `MapWriter` in memory: what was written, batch by batch."""

    calls: list[Call] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)
    edges: dict[int, list[EdgeStats]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def ingest(
        self,
        calls: list[Call],
        served: list[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
        admit: Admission | None = None,
    ) -> Written:
        assert now_s == NOW
        assert spans >= len(calls)
        assert admit is not None
        assert admit.source == source
        known = {call.key for call in self.calls}
        new = [call for call in calls if call.key not in known]
        self.calls += new
        self.served += served
        self.sources.append(source)
        return Written(len(new))

    def ingest_edges(
        self,
        edges: list[EdgeStats],
        *,
        minute_s: int,
        source: str,
        admit: Admission | None = None,
        now_s: int | None = None,
    ) -> int:
        assert admit is not None
        assert now_s == NOW
        self.edges[minute_s] = list(edges)
        self.sources.append(source)
        return sum(edge.calls for edge in edges)


@dataclass(frozen=True)
class Written:
    calls_new: int


@dataclass
class FakeProgress:
    """A `SourceProgress` in memory, with a lease another holder may keep."""

    states: dict[str, SourceState] = field(default_factory=dict)
    lease_holder: str | None = None

    def all(self) -> dict[str, SourceState]:
        return dict(self.states)

    def get(self, name: str) -> SourceState | None:
        return self.states.get(name)

    def record_success(self, name: str, *, high_water: int, now_s: int, spans: int) -> None:
        old = self.states.get(name, SourceState(name))
        self.states[name] = SourceState(
            name, high_water, now_s, old.last_error_at, old.last_error, spans
        )

    def record_error(self, name: str, *, now_s: int, message: str) -> None:
        old = self.states.get(name, SourceState(name))
        self.states[name] = SourceState(
            name, old.high_water, old.last_success, now_s, message, old.spans
        )

    def try_lease(self, name: str, holder: str, now_s: int, ttl_s: int) -> bool:
        assert (name, now_s, ttl_s) == ("refresh", NOW, 180)
        if self.lease_holder not in (None, holder):
            return False
        self.lease_holder = holder
        return True

    def release_lease(self, name: str, holder: str) -> None:
        assert name == "refresh"
        if self.lease_holder == holder:
            self.lease_holder = None


@dataclass
class FakeCatalogSource:
    """A catalog source answering one catalog, or failing."""

    catalog: Catalog
    name: str = "backstage"
    failing: bool = False

    def read(self) -> CatalogRead:
        if self.failing:
            raise SourceError("backstage: HTTP 500")
        return CatalogRead(self.catalog, entities=1)


@dataclass
class Parts:
    """The fakes of one pass, and what the caches were told."""

    writer: FakeWriter = field(default_factory=FakeWriter)
    progress: FakeProgress = field(default_factory=FakeProgress)
    catalogs: list[Catalog] = field(default_factory=list)
    cleared: int = 0

    def deps(
        self, *sources: TraceSource | EdgeSource, catalog: FakeCatalogSource | None = None
    ) -> Refreshing:
        def changed() -> None:
            self.cleared += 1

        return Refreshing(
            policy=POLICY,
            sources=list(sources),
            catalog_source=catalog,
            writer=self.writer,
            progress=self.progress,
            use_catalog=self.catalogs.append,
            redaction=Redaction(()),
            names=NameGate(NameLimits()),
            map_changed=changed,
            now=lambda: NOW,
        )


def test_a_pass_asks_the_window_since_the_high_water_and_writes_the_linked_calls():
    parts = Parts()
    traces = FakeTraces(call_pair("a1", NOW - 30) + call_pair("a2", NOW - 400))
    parts.progress.states["jaeger"] = SourceState("jaeger", high_water=NOW - 60)

    report = refresh_once(parts.deps(traces), holder="me")

    (done,) = report.sources
    assert (report.leased, done.name, done.error, done.tries) == (True, "jaeger", None, 1)
    # From the high water less the overlap, up to now; the span before it is not asked for.
    assert traces.asked == [((NOW - 180) * 1_000_000, NOW * 1_000_000, 100)]
    assert (done.spans, done.calls_new) == (2, 1)
    assert [(call.parent, call.child) for call in parts.writer.calls] == [("frontend", "backend")]
    assert parts.writer.sources == ["refresh:jaeger"]
    assert parts.progress.states["jaeger"].high_water == NOW
    assert parts.progress.lease_holder is None
    assert parts.cleared == 1


def test_a_pass_whose_lease_another_holds_pulls_nothing():
    parts = Parts()
    parts.progress.lease_holder = "other"
    traces = FakeTraces(call_pair("a1", NOW - 30))

    report = refresh_once(parts.deps(traces), holder="me")

    assert (report.leased, report.sources, traces.asked) == (False, [], [])
    assert parts.progress.lease_holder == "other"


class AnyTime(FakeTraces):
    """A trace source that answers every span it holds, whatever window was asked."""

    def traces(self, *, start_us: int, end_us: int, limit: int) -> list[Span]:
        self.asked.append((start_us, end_us, limit))
        return list(self.spans)


def test_spans_outside_the_live_window_are_refused_and_counted():
    parts = Parts()
    # Two hours old, past the hour of minute retention; and an hour ahead, past the skew.
    spans = (
        call_pair("now", NOW - 30) + call_pair("old", NOW - 7200) + call_pair("ahead", NOW + 3600)
    )

    (done,) = refresh_once(parts.deps(AnyTime(spans)), holder="me").sources

    assert (done.spans, done.refused, done.calls_new) == (2, 4, 1)
    assert {call.key for call in parts.writer.calls} == {parts.writer.calls[0].key}


def test_a_failing_source_is_recorded_with_its_retries_and_another_still_pulls():
    parts = Parts()
    errors = [SourceError("jaeger: HTTP 503", retryable=True) for _ in range(3)]
    flaky = FakeTraces(call_pair("a1", NOW - 30), errors=errors)
    waits: list[float] = []
    retrying = RetryingTraceSource(Pacing(sleep=waits.append, jitter=lambda: 0.0), inner=flaky)
    edges = FakeEdges()

    report = refresh_once(parts.deps(retrying, edges), holder="me")

    failed, pulled = report.sources
    assert (failed.name, failed.tries, failed.error) == ("jaeger", 3, "jaeger: HTTP 503")
    assert len(waits) == 2
    assert parts.progress.states["jaeger"].last_error == "jaeger: HTTP 503"
    assert parts.progress.states["jaeger"].high_water is None
    assert (pulled.name, pulled.error) == ("prometheus", None)
    # The edge source, never pulled before, is asked minute by minute over the overlap.
    assert edges.asked == sorted(parts.writer.edges)
    assert pulled.calls_new == 3 * len(edges.asked)
    assert not report.all_failed


def test_the_catalog_is_used_when_read_and_the_last_good_kept_when_not():
    parts = Parts()
    catalog = Catalog()
    source = FakeCatalogSource(catalog)

    done = refresh_catalog(parts.deps(catalog=source))

    assert (done.entities, done.error, parts.catalogs) == (1, None, [catalog])
    source.failing = True
    failed = refresh_catalog(parts.deps(catalog=source))
    assert (failed.error, parts.catalogs) == ("backstage: HTTP 500", [catalog])
    assert parts.progress.states["backstage"].last_success == NOW


@dataclass
class FakeSignals:
    """A signal source answering one point a minute asked for, and one series it left out."""

    name: str = "prometheus-signals"
    signals: tuple[str, ...] = ("cpu", "memory")
    asked: list[tuple[str, int, int]] = field(default_factory=list)

    def points(self, signal: str, *, start_s: int, end_s: int) -> SignalRead:
        self.asked.append((signal, start_s, end_s))
        minutes = range(start_s, end_s, 60)
        found = [MetricPoint("Cart", signal, m, 0.5) for m in minutes]
        return SignalRead(found, unlabelled=1 if signal == "cpu" else 0)


@dataclass
class FakeSignalWriter:
    """A `SignalWriter` in memory for metric points: replaced minute by minute, as told."""

    minutes: dict[tuple[str, str, int], float] = field(default_factory=dict)

    def admitted_services(self, items, service_of, admit, *, now_s):
        assert admit.source == "refresh:prometheus-signals"
        assert now_s == NOW
        assert {service_of(item) for item in items} == {"{shop}"}  # redacted before
        return items, None

    def ingest_metrics(
        self, points: list[MetricPoint], *, cap: int, replace: bool = False
    ) -> MetricsStored:
        assert (cap, replace) == (POLICY.metric_name_cap, True)
        for point in points:
            self.minutes[point.service, point.name, point.minute] = point.value
        return MetricsStored(points=len(points), dropped=0)


def test_a_signal_pass_stores_whole_minutes_since_the_high_water_redacted_and_replaced():
    parts = Parts()
    signals = FakeSignals()
    parts.progress.states[signals.name] = SourceState(signals.name, high_water=NOW - 90)
    writer = FakeSignalWriter()
    deps = replace(
        parts.deps(signals), signals=writer, redaction=Redaction(parse_rules('{"Cart": "{shop}"}'))
    )

    (done,) = refresh_once(deps, holder="me").sources

    # From the high water less the overlap, whole minutes up to the one still running.
    assert signals.asked == [("cpu", NOW - 210, NOW - 30), ("memory", NOW - 210, NOW - 30)]
    assert (done.error, done.points, done.left_out, done.calls_new) == (None, 6, 1, 0)
    assert sorted(writer.minutes) == [
        ("{shop}", signal, m)
        for signal in ("cpu", "memory")
        for m in range(NOW - 210, NOW - 30, 60)
    ]
    assert parts.progress.states[signals.name].high_water == NOW - 30
    assert done.to_dict() | {"points": 6, "left_out": 1} == done.to_dict()


def test_a_signal_source_where_no_signals_are_stored_fails_its_pass_alone():
    parts = Parts()
    edges = FakeEdges()

    report = refresh_once(parts.deps(FakeSignals(), edges), holder="me")

    signals, edge_pass = report.sources
    assert signals.error == "prometheus-signals: this process stores no signals"
    assert edge_pass.error is None
    assert parts.progress.states["prometheus-signals"].last_error_at == NOW
