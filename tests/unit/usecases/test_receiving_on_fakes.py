"""Receiving pushed spans, on an in-memory store, caps on new names and a clock held here.

The receiver takes the store (`SpanKeeper`), the caps on new names, the redaction, who
is told of new calls, the settings' rules and the clock (`ReceivingDesk`) as arguments;
here each is held in memory. The store's side is held by
`tests/integration/web/test_otlp_receiver.py` and `test_otlp_waiting_spans.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from bot.adapters.store.pending import PendingKey, SettledElsewhere, Waiting, key_of
from bot.adapters.store.ports import SpanKeeper
from bot.adapters.store.repository import IngestResult, Parking
from bot.usecases.receiving import SETTLE_GRACE_S, Receiver, ReceivingDesk, ReceivingRules
from topology.cardinality import RATE, Admission, Drops, NameGate, NameLimits
from topology.errors import StoreError
from topology.model import Call, Served, Span, SpanKind
from topology.redaction import Redaction

T = TypeVar("T")
NOW_S = 1_777_604_400
WAIT_S = 30
RULES = ReceivingRules(retain_s=3_600, skew_s=300, pairing_wait_s=WAIT_S, strict_trace_id=False)
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
LOW = TRACE[16:]
"""The trace id spans are stored under, unless the settings keep ids whole."""
CLIENT_KEY = "a1\x1ffrontend\x1fclient"


@dataclass
class FakeKeeper:
    """Calls by (caller, callee) and spans waiting by key; services in `refused` are capped."""

    refused: set[str] = field(default_factory=set)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    keys: set[str] = field(default_factory=set)
    waiting: dict[PendingKey, Waiting] = field(default_factory=dict)
    failing: bool = False
    admits: list[tuple[str, int]] = field(default_factory=list)
    ingests: list[tuple[str, int, int, str | None]] = field(default_factory=list)

    def admitted_services(
        self,
        items: Sequence[T],
        service_of: Callable[[T], str | None],
        admit: Admission,
        *,
        now_s: int,
    ) -> tuple[Sequence[T], Drops]:
        self.admits.append((admit.source, now_s))
        kept = [item for item in items if service_of(item) not in self.refused]
        return kept, Drops(Counter(), Counter({RATE: len(items) - len(kept)}))

    def waiting_in(self, trace_ids: Sequence[str], *, limit: int) -> list[Waiting]:
        found = [row for key, row in self.waiting.items() if key[0] in trace_ids]
        return found[:limit]

    def waiting_due(self, *, now_s: int, limit: int) -> list[Waiting]:
        due = sorted(
            (row for row in self.waiting.values() if row.until_s <= now_s),
            key=lambda row: row.until_s,
        )
        return due[:limit]

    def ingest(
        self,
        calls: Sequence[Call],
        served: Sequence[Served],
        *,
        now_s: int,
        source: str,
        spans: int,
        admit: Admission | None = None,
        parking: Parking | None = None,
    ) -> IngestResult:
        if self.failing:
            raise StoreError("the store is away")
        self.ingests.append((source, spans, now_s, admit.source if admit else None))
        parking = parking or Parking()
        gone = [key for key in parking.settled if key not in self.waiting]
        if gone:
            raise SettledElsewhere(gone)
        for key in [*parking.settled, *parking.discarded]:
            self.waiting.pop(key, None)
        for span, until_s in parking.waiting:
            self.waiting[key_of(span)] = Waiting(key_of(span), until_s, span)
        new = [call for call in calls if call.key not in self.keys]
        self.keys.update(call.key for call in new)
        self.calls.update((call.parent, call.child) for call in new)
        return IngestResult(len(new), len(calls) - len(new), len(served))


@dataclass
class Maps:
    """Counts how often new calls were said to be stored."""

    told: int = 0

    def changed(self) -> None:
        self.told += 1


@dataclass
class Clock:
    now_s: int = NOW_S

    def __call__(self) -> int:
        return self.now_s


def _receiver(
    keeper: FakeKeeper, clock: Clock, maps: Maps | None = None, rules: ReceivingRules = RULES
) -> Receiver:
    desk = ReceivingDesk(
        store=keeper,
        names=NameGate(NameLimits()),
        redaction=Redaction(()),
        maps=maps or Maps(),
        rules=rules,
        clock=clock,
    )
    return Receiver(desk)


def _client(trace: str = TRACE, start_s: int = NOW_S) -> Span:
    return Span(trace, "a1", None, SpanKind.CLIENT, "frontend", "cart", start_s * 10**6, 2_000)


def _server(trace: str = TRACE, start_s: int = NOW_S) -> Span:
    return Span(trace, "b2", "a1", SpanKind.SERVER, "cart", None, start_s * 10**6, 1_000)


def test_the_fake_is_the_port_the_receiver_writes() -> None:
    port: SpanKeeper = FakeKeeper()
    assert port.waiting_due(now_s=NOW_S, limit=10) == []


def test_a_client_span_and_its_server_span_pushed_apart_are_one_call() -> None:
    keeper, maps = FakeKeeper(), Maps()
    receiver = _receiver(keeper, Clock(), maps)

    first = receiver.receive([_client()])
    second = receiver.receive([_server()])

    assert (first.calls_new, second.calls_new) == (0, 1)
    assert keeper.calls == Counter({("frontend", "cart"): 1})
    assert keeper.waiting == {}
    assert maps.told == 1
    assert keeper.admits == [("otlp", NOW_S), ("otlp", NOW_S)]
    assert keeper.ingests[-1] == ("otlp", 1, NOW_S, "otlp")


def test_a_client_span_kept_by_another_process_pairs_with_a_server_span_pushed_here() -> None:
    keeper, clock = FakeKeeper(), Clock()
    _receiver(keeper, clock).receive([_client()])
    assert list(keeper.waiting) == [(LOW, CLIENT_KEY)]

    elsewhere = _receiver(keeper, clock).receive([_server()])

    assert elsewhere.calls_new == 1
    assert keeper.calls == Counter({("frontend", "cart"): 1})
    assert keeper.waiting == {}


def test_spans_outside_the_live_window_are_refused_and_said_why() -> None:
    keeper = FakeKeeper()
    old = NOW_S - RULES.retain_s - 600

    received = _receiver(keeper, Clock()).receive([_client(start_s=old), _server(start_s=old)])

    assert (received.spans, received.refused) == (0, 2)
    assert received.reason
    assert keeper.calls == Counter()


def test_spans_of_a_service_past_the_caps_are_dropped_and_counted() -> None:
    keeper = FakeKeeper(refused={"cart"})

    received = _receiver(keeper, Clock()).receive([_client(), _server()])

    assert received.names_refused == 1
    assert received.spans == 1
    assert keeper.calls == Counter()
    assert list(keeper.waiting) == [(LOW, CLIENT_KEY)]


def test_a_client_span_whose_peer_never_reports_is_stored_once_its_wait_is_over() -> None:
    keeper, clock = FakeKeeper(), Clock()
    receiver = _receiver(keeper, clock)
    receiver.receive([_client()])

    clock.now_s += WAIT_S - 1
    assert receiver.settle().calls_new == 0
    clock.now_s += 1 + SETTLE_GRACE_S

    assert receiver.settle().calls_new == 1
    assert keeper.calls == Counter({("frontend", "cart"): 1})
    assert keeper.waiting == {}


def test_when_the_store_fails_the_export_is_refused_and_its_client_span_waits_again() -> None:
    keeper, clock = FakeKeeper(), Clock()
    receiver = _receiver(keeper, clock)
    receiver.receive([_client()])
    keeper.failing = True

    with pytest.raises(StoreError):
        receiver.receive([_server()])
    keeper.failing = False
    again = receiver.receive([_server()])

    assert again.calls_new == 1
    assert keeper.calls == Counter({("frontend", "cart"): 1})


@pytest.mark.parametrize(("strict", "stored"), [(False, LOW), (True, TRACE)])
def test_traces_are_named_by_their_ids_low_half_unless_the_settings_keep_ids_whole(
    strict: bool, stored: str
) -> None:
    keeper = FakeKeeper()
    rules = ReceivingRules(
        retain_s=RULES.retain_s, skew_s=RULES.skew_s, pairing_wait_s=WAIT_S, strict_trace_id=strict
    )

    _receiver(keeper, Clock(), rules=rules).receive([_client()])

    assert [key[0] for key in keeper.waiting] == [stored]
