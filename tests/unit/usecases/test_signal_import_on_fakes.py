"""Storing logs and metrics, on an in-memory store and caps on new names.

The use case takes the store (`SignalWriter`), the caps on new names, the redaction, the
settings' caps (`SignalCaps`) and the time (`SignalDesk`) as arguments; here each is
held in memory. The store's side is held by `tests/integration/web/test_otlp_signals.py`
and `tests/integration/web/test_signal_name_caps.py`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from bot.adapters.store.ports import SignalWriter
from bot.adapters.store.signal_writes import LogsStored, MetricsStored
from bot.usecases.signal_import import (
    SignalCaps,
    SignalDesk,
    import_signals,
    store_logs,
    store_metrics,
)
from topology.cardinality import RATE, Admission, Drops, NameGate, NameLimits, Verdict
from topology.parsing.signals import Signal
from topology.redaction import Redaction
from topology.signals.model import LogExport, LogRecord, MetricExport, MetricPoint
from topology.time_window import TimeWindow

T = TypeVar("T")
NOW_S = 1_777_604_400
MINUTE = NOW_S - NOW_S % 60
CAPS = SignalCaps(body_chars=12, template_cap=50, metric_name_cap=1)
RECENT = TimeWindow(NOW_S - 3_600, NOW_S + 60, "outside the last hour")


@dataclass
class FakeStore:
    """Records and points by service; services named in `refused` are past the caps."""

    refused: set[str] = field(default_factory=set)
    logs: list[LogRecord] = field(default_factory=list)
    points: list[MetricPoint] = field(default_factory=list)
    admits: list[tuple[str, bool, int]] = field(default_factory=list)
    template_caps: list[int] = field(default_factory=list)

    def admitted_services(
        self,
        items: Sequence[T],
        service_of: Callable[[T], str | None],
        admit: Admission,
        *,
        now_s: int,
    ) -> tuple[Sequence[T], Drops]:
        self.admits.append((admit.source, admit.rate, now_s))
        kept = [item for item in items if service_of(item) not in self.refused]
        lost = Counter({RATE: len(items) - len(kept)})
        names = Counter({RATE: len({service_of(i) for i in items} & self.refused)})
        return kept, Drops(+names, +lost)

    def ingest_logs(self, records: Sequence[LogRecord], *, cap: int) -> LogsStored:
        self.template_caps.append(cap)
        seen = {record.digest for record in self.logs}
        new = [record for record in records if record.digest not in seen]
        self.logs += new
        return LogsStored(len(new), len(records) - len(new), templates=0, folded=0)

    def ingest_metrics(
        self, points: Sequence[MetricPoint], *, cap: int, replace: bool = False
    ) -> MetricsStored:
        assert not replace  # an import adds its points
        names: dict[str, set[str]] = {}
        kept = []
        for point in points:
            held = names.setdefault(point.service, set())
            if point.name in held or len(held) < cap:
                held.add(point.name)
                kept.append(point)
        self.points += kept
        return MetricsStored(points=len(kept), dropped=len(points) - len(kept))


def _desk(store: FakeStore, names: NameGate | None = None) -> SignalDesk:
    gate = names or NameGate(NameLimits())
    return SignalDesk(store=store, names=gate, redaction=Redaction(()), caps=CAPS, now_s=NOW_S)


def _logs_document(*bodies: str, service: str = "cart") -> bytes:
    attributes = [{"key": "service.name", "value": {"stringValue": service}}]
    records = [
        {
            "timeUnixNano": str(NOW_S * 10**9),
            "severityText": "ERROR",
            "body": {"stringValue": body},
        }
        for body in bodies
    ]
    document = {
        "resourceLogs": [
            {"resource": {"attributes": attributes}, "scopeLogs": [{"logRecords": records}]}
        ]
    }
    return json.dumps(document).encode()


def _record(service: str, digest: int, minute: int = MINUTE) -> LogRecord:
    return LogRecord(service, minute, "INFO", "hello", digest)


def test_the_fake_is_the_port_the_use_case_writes() -> None:
    port: SignalWriter = FakeStore()
    assert port.ingest_metrics([], cap=1) == MetricsStored(points=0, dropped=0)


def test_an_imported_logs_document_is_stored_under_the_import_source_unrated() -> None:
    store = FakeStore()

    done = import_signals(
        _desk(store), _logs_document("payment failed badly", "ok"), Signal.LOGS, source="f.json"
    )

    assert done.to_dict() == {
        "file": "f.json",
        "kind": "logs",
        "read": 2,
        "stored": 2,
        "duplicates": 0,
        "refused": 0,
        "capped": 0,
        "names_refused": 0,
    }
    assert store.admits == [("import", False, NOW_S)]
    assert store.template_caps == [CAPS.template_cap]
    assert [(r.service, r.minute, r.level, r.body) for r in store.logs] == [
        ("cart", MINUTE, "ERROR", "payment fail"),  # cut at the settings' body_chars
        ("cart", MINUTE, "ERROR", "ok"),
    ]


def test_records_outside_the_window_are_refused_and_those_seen_before_are_duplicates() -> None:
    store = FakeStore(logs=[_record("cart", 1)])
    export = LogExport([_record("cart", 1), _record("cart", 2), _record("cart", 3, minute=60)])
    admit = Admission(NameGate(NameLimits()), "otlp")

    done = store_logs(_desk(store), export, source="otlp", window=RECENT, admit=admit)

    assert (done.read, done.stored, done.duplicates) == (2, 1, 1)
    assert (done.refused, done.reason) == (1, "outside the last hour")
    assert store.admits == [("otlp", True, NOW_S)]


def test_records_of_a_name_past_the_caps_are_dropped_counted_and_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = NameGate(NameLimits())
    gate.tally("otlp", Verdict({"new": RATE}), Counter({RATE: 1}))  # as the store counts it
    store = FakeStore(refused={"new"})
    export = LogExport([_record("cart", 1), _record("new", 2)])
    admit = Admission(gate, "otlp")

    with caplog.at_level("WARNING", logger="bot.usecases.name_caps"):
        done = store_logs(_desk(store, gate), export, source="otlp", window=RECENT, admit=admit)

    assert (done.read, done.stored, done.names_refused) == (2, 1, 1)
    assert [r.service for r in store.logs] == ["cart"]
    assert [r.getMessage() for r in caplog.records] == [
        "otlp: refused 1 names and 1 calls over 500 new names a minute"
    ]


def test_metric_points_past_the_settings_cap_of_names_are_counted_as_capped() -> None:
    store = FakeStore()
    export = MetricExport(
        [
            MetricPoint("cart", "cpu", MINUTE, 0.5),
            MetricPoint("cart", "memory", MINUTE, 100.0),
            MetricPoint("cart", "cpu", MINUTE - 60, 0.4),
        ]
    )
    admit = Admission(NameGate(NameLimits()), "otlp")

    done = store_metrics(_desk(store), export, source="otlp", window=RECENT, admit=admit)

    assert done.to_dict()["kind"] == "metrics"
    assert (done.read, done.stored, done.capped) == (3, 2, 1)
    assert [(p.name, p.minute) for p in store.points] == [("cpu", MINUTE), ("cpu", MINUTE - 60)]
