"""`svcmap sources` as a use case, on in-memory source states and import ledger.

The store's side (states kept per source, refusals counted, the import log) is held by
`tests/integration/refresh` and `tests/integration/web`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.store.name_caps import Refused
from bot.adapters.store.ports import ImportLedger, SourceState, StateStore
from bot.usecases.sources import source_statuses
from bot.usecases.staleness import SourceStatus

NOW_S = 1_700_000_000
INTERVAL_S = 60


@dataclass
class FakeStates:
    states: dict[str, SourceState] = field(default_factory=dict)

    def all(self) -> dict[str, SourceState]:
        return dict(self.states)


@dataclass
class FakeLedger:
    refused: list[Refused] = field(default_factory=list)
    last: dict[str, int] = field(default_factory=dict)

    def refused_names(self) -> list[Refused]:
        return list(self.refused)

    def last_import(self, source: str) -> int | None:
        return self.last.get(source)


def _state(name: str) -> SourceState:
    return SourceState(name, high_water=NOW_S - 30, last_success=NOW_S - 30, spans=10)


def _statuses(
    states: StateStore, ledger: ImportLedger, configured: list[str]
) -> list[SourceStatus]:
    return source_statuses(
        states, ledger, configured=configured, interval_s=INTERVAL_S, now_s=NOW_S
    )


def test_configured_sources_come_first_in_order_then_those_only_remembered() -> None:
    states = FakeStates(
        {"zipkin": _state("zipkin"), "old": _state("old"), "jaeger": _state("jaeger")}
    )

    shown = _statuses(states, FakeLedger(), ["jaeger", "zipkin", "backstage"])

    assert [(s.name, s.configured) for s in shown] == [
        ("jaeger", True),
        ("zipkin", True),
        ("backstage", True),
        ("old", False),
    ]
    assert shown[0].lag_s == 30
    assert not shown[0].stale
    assert shown[2].last_success is None  # configured, never pulled


def test_the_receiver_shows_once_it_stored_anything_and_turns_quiet() -> None:
    assert _statuses(FakeStates(), FakeLedger(), []) == []

    recent = _statuses(FakeStates(), FakeLedger(last={"otlp": NOW_S - 10}), [])
    old = _statuses(FakeStates(), FakeLedger(last={"otlp": NOW_S - 10 * INTERVAL_S}), [])

    assert [(s.name, s.pushed, s.lag_s, s.condition) for s in recent] == [
        ("otlp", True, 10, "receiving")
    ]
    assert old[0].condition == "quiet"


def test_refusals_go_with_their_source_and_imports_come_last() -> None:
    refused = [
        Refused(source="refresh:zipkin", reason="rate", names=3, items=5, last_at=NOW_S),
        Refused(source="import", reason="total", names=1, items=1, last_at=NOW_S),
        Refused(source="refresh:gone", reason="rate", names=2, items=2, last_at=NOW_S),
    ]

    shown = _statuses(
        FakeStates({"zipkin": _state("zipkin")}), FakeLedger(refused=refused), ["zipkin"]
    )

    assert [(s.name, [r.names for r in s.refused]) for s in shown] == [
        ("zipkin", [3]),
        ("gone", [2]),
        ("import", [1]),
    ]
    assert [(s.name, s.imported, s.stale) for s in shown[1:]] == [
        ("gone", False, True),
        ("import", True, False),
    ]
