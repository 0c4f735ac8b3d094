"""Importing files, on an in-memory store, caps on new names and a clock held here.

The use case takes the store (`FileWriter`), the caps on new names, the redaction, the
settings' caps and trace rules, who is told the map changed, and the clock
(`ImportDesk`) as arguments; here each is held in memory. The store's side is held by
`tests/integration/test_streamed_import.py` and its neighbours.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from bot.adapters.store.ports import FileWriter
from bot.adapters.store.repository import IngestResult
from bot.adapters.store.signal_writes import LogsStored, MetricsStored
from bot.usecases.importing import FileImport, ImportDesk, import_file
from bot.usecases.signal_import import SignalCaps, SignalImport
from tests.conftest import REPO
from topology.cardinality import Admission, Drops, NameGate, NameLimits
from topology.errors import TraceFormatError
from topology.model import Call, Served
from topology.redaction import Redaction
from topology.signals.model import LogRecord, MetricPoint

T = TypeVar("T")
NOW_S = 1_777_604_400
FIXTURES = REPO / "tests" / "fixtures"
ZIPKIN = FIXTURES / "traces" / "zipkin-lens-simple-db-p6.json"
LOGS = FIXTURES / "signals" / "otlp_logs.CONSTRUCTED.json"
CAPS = SignalCaps(body_chars=1_000, template_cap=50, metric_name_cap=10)


@dataclass
class FakeWriter:
    """Calls, logs and points as stored, and the sources and admissions they came with."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    batches: int = 0
    sources: list[str] = field(default_factory=list)
    admits: list[tuple[str, bool]] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    points: list[MetricPoint] = field(default_factory=list)

    def admitted_services(
        self,
        items: Sequence[T],
        service_of: Callable[[T], str | None],
        admit: Admission,
        *,
        now_s: int,
    ) -> tuple[Sequence[T], Drops]:
        assert now_s == NOW_S
        self.admits.append((admit.source, admit.rate))
        return [item for item in items if service_of(item)], Drops()

    def ingest_logs(self, records: Sequence[LogRecord], *, cap: int) -> LogsStored:
        assert cap == CAPS.template_cap
        self.logs += records
        return LogsStored(len(records), 0, templates=0, folded=0)

    def ingest_metrics(
        self, points: Sequence[MetricPoint], *, cap: int, replace: bool = False
    ) -> MetricsStored:
        assert not replace  # an import adds its points
        assert cap == CAPS.metric_name_cap
        self.points += points
        return MetricsStored(points=len(points), dropped=0)

    def ingest(
        self,
        calls: Sequence[Call],
        served: Sequence[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
        admit: Admission | None = None,
    ) -> IngestResult:
        return self.ingest_batches(
            [(calls, served, spans)], now_s=now_s, source=source, admit=admit
        )

    def ingest_batches(
        self,
        batches: Iterable[tuple[Sequence[Call], Sequence[Served], int]],
        *,
        now_s: int,
        source: str,
        admit: Admission | None = None,
    ) -> IngestResult:
        assert now_s == NOW_S
        assert admit is not None
        self.sources.append(source)
        self.admits.append((admit.source, admit.rate))
        new = served = 0
        for calls, batch_served, _ in batches:  # may raise part way: nothing kept then
            self.batches += 1
            new += len(calls)
            served += len(batch_served)
            self.calls.update((call.parent, call.child) for call in calls)
        return IngestResult(new, 0, served)


@dataclass
class Changes:
    told: int = 0

    def __call__(self) -> None:
        self.told += 1


def _desk(store: FakeWriter, changes: Changes | None = None) -> ImportDesk:
    return ImportDesk(
        store=store,
        names=NameGate(NameLimits()),
        redaction=Redaction(()),
        caps=CAPS,
        infer_peers=True,
        strict_trace_id=False,
        map_changed=changes or Changes(),
        clock=lambda: NOW_S,
    )


def test_the_fake_is_the_port_the_use_case_writes() -> None:
    port: FileWriter = FakeWriter()
    assert port.ingest_metrics([], cap=CAPS.metric_name_cap) == MetricsStored(0, 0)


def test_a_trace_file_is_stored_under_its_name_as_an_unrated_import_and_the_map_told() -> None:
    store, changes = FakeWriter(), Changes()

    done = import_file(_desk(store, changes), ZIPKIN)

    assert isinstance(done, FileImport)
    assert done.calls_new == sum(store.calls.values()) > 0
    assert ("bootifulmeters", "app_db") in store.calls
    assert store.sources == [str(ZIPKIN)]
    assert store.admits == [("import", False)]
    assert changes.told == 1


def test_a_trace_file_streamed_stores_what_it_does_read_whole() -> None:
    whole, streamed = FakeWriter(), FakeWriter()

    import_file(_desk(whole), ZIPKIN)
    import_file(_desk(streamed), ZIPKIN, stream_from=0)

    assert streamed.calls == whole.calls
    assert streamed.sources == whole.sources


def test_a_logs_file_is_stored_as_logs_not_as_calls() -> None:
    store, changes = FakeWriter(), Changes()

    done = import_file(_desk(store, changes), LOGS)

    assert isinstance(done, SignalImport)
    assert store.logs
    assert store.calls == Counter()
    assert ("import", False) in store.admits


def test_a_file_whose_every_span_is_refused_stores_nothing_and_says_why(tmp_path: Path) -> None:
    spans = json.loads(ZIPKIN.read_text())
    for span in spans:
        span["timestamp"] = (NOW_S + 7 * 86_400) * 10**6  # a week ahead
    ahead = tmp_path / "ahead.json"
    ahead.write_text(json.dumps(spans))
    store, changes = FakeWriter(), Changes()

    with pytest.raises(TraceFormatError, match=r"ahead\.json: every span refused"):
        import_file(_desk(store, changes), ahead)

    assert (store.calls, store.sources, changes.told) == (Counter(), [], 0)


def test_a_malformed_file_names_itself_and_stores_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[{"traceId": "abc", "id": ')
    store = FakeWriter()

    with pytest.raises(TraceFormatError, match=r"broken\.json"):
        import_file(_desk(store), broken)

    assert store.calls == Counter()
