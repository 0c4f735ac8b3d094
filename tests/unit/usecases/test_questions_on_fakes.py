"""The map's questions and the stale-source note on in-memory fakes of their ports.

No database: a map question takes what it reads (`Asking`: a `MapStore`, the catalog,
the redaction, the clock), and the note what it watches (`Watching`: a `StateStore`).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import pytest

from bot.adapters.store.ports import SourceState
from bot.questions import Question, question_of
from bot.settings import Settings, load_settings
from bot.usecases.graphs import GraphCache
from bot.usecases.map_questions import answers_from_map, ask_map, question_window, warm_map
from bot.usecases.staleness import stale_note, stale_sources
from tests.unit.usecases.fake_map import FakeMap
from topology.errors import UnknownServiceError
from topology.ownership import Catalog
from topology.queries.reach import SCHEDULE, SOLVERS
from topology.redaction import Redaction, redaction_of
from topology.stats import EdgeStats

NOW = 1_800_000_000
MINUTE = 60


@dataclass
class FakeStates:
    """A `StateStore` in memory."""

    states: dict[str, SourceState] = field(default_factory=dict)

    def all(self) -> dict[str, SourceState]:
        return dict(self.states)


@dataclass
class Reads:
    """What a map question and the stale note read, all in memory."""

    store: FakeMap
    settings: Settings
    states: FakeStates = field(default_factory=FakeStates)
    catalog: Catalog = field(default_factory=Catalog)
    redaction: Redaction = field(default_factory=lambda: Redaction(()))
    graphs: GraphCache = field(default_factory=lambda: GraphCache(time.monotonic))
    source_names: list[str] = field(default_factory=list)

    def now(self) -> int:
        return NOW


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("SVCMAP_DEFAULT_WINDOW", "SVCMAP_REFRESH_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    return load_settings(database_url="sqlite://")


def question(command: str, **given: object) -> Question:
    defaults: dict[str, object] = {"at": None, "window": None, "json": False}
    return question_of(argparse.Namespace(command=command, **(defaults | given)))


def shop() -> FakeMap:
    """checkout calling payment all along; calling a legacy service only two hours ago."""
    calls = [(NOW - m * MINUTE, "checkout", "payment") for m in range(1, 30)]
    calls += [(NOW - 2 * 3600, "checkout", "legacy-tax")]
    return FakeMap(calls)


def test_a_dependency_question_reads_only_its_window(settings):
    reads = Reads(shop(), settings)

    recent = ask_map(
        reads, question("deps", service="checkout", direction="down", depth=None, window=1800)
    )
    always = ask_map(reads, question("deps", service="checkout", direction="down", depth=None))

    assert [d["name"] for d in recent.to_dict()["downstream"]] == ["payment"]
    assert [d["name"] for d in always.to_dict()["downstream"]] == ["legacy-tax", "payment"]


def test_a_question_naming_a_service_as_its_traces_do_asks_about_the_redacted_node(settings):
    reads = Reads(FakeMap([(NOW - 60, "web", "cart-{num}")]), settings)
    reads.redaction = redaction_of("", defaults=True)

    answer = ask_map(reads, question("blast", service="cart-1234567"))

    assert answer.to_dict()["service"] == "cart-{num}"


def test_an_unknown_service_is_refused_with_a_suggestion(settings):
    reads = Reads(shop(), settings)

    with pytest.raises(UnknownServiceError, match="did you mean payment"):
        ask_map(reads, question("blast", service="paymnet"))


def test_only_the_map_questions_are_answered_from_the_map_alone():
    assert answers_from_map(question("path", source="a", target="b"))
    assert answers_from_map(question("simulate", services=[["a"]], length=None, suggest=False))
    assert not answers_from_map(question("simulate", services=[["a"]], length=1800, suggest=False))
    assert not answers_from_map(question("risk"))


def test_a_configured_source_lagging_three_intervals_is_named_stale(settings):
    states = FakeStates(
        {
            "jaeger": SourceState("jaeger", high_water=NOW - 4 * 60, last_error="timed out"),
            "tempo": SourceState("tempo", high_water=NOW - 30),
            "zipkin": SourceState("zipkin", high_water=NOW - 9_999),  # no longer configured
        }
    )
    reads = Reads(FakeMap(), settings, states, source_names=["jaeger", "tempo", "prometheus"])

    stale = stale_sources(reads)

    assert [status.name for status in stale] == ["jaeger", "prometheus"]
    assert stale_note(stale) == (
        "warning: the map may be stale: jaeger 4m behind (timed out); prometheus never pulled"
    )
    assert stale_sources(Reads(FakeMap(), settings, states)) == []


@dataclass
class CountedMap(FakeMap):
    """A `FakeMap` counting its reads of edges."""

    reads: int = 0

    def edges(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        self.reads += 1
        return super().edges(start_s, end_s)


def callees(reads: Reads, at: int) -> list[str]:
    asked = question("deps", service="checkout", direction="down", depth=None, at=at)
    return [found["name"] for found in ask_map(reads, asked).to_dict()["downstream"]]


def test_everything_up_to_a_time_after_the_newest_call_is_answered_by_the_map_of_now(settings):
    store = CountedMap(shop().calls)
    reads = Reads(store, settings)
    ask_map(reads, question("deps", service="checkout", direction="down", depth=None))

    assert callees(reads, NOW + 1) == ["legacy-tax", "payment"]
    assert callees(reads, NOW + 3600) == ["legacy-tax", "payment"]
    assert store.reads == 1


def test_everything_up_to_a_time_before_the_newest_call_is_read_for_that_time(settings):
    store = CountedMap(shop().calls)
    reads = Reads(store, settings)
    ask_map(reads, question("deps", service="checkout", direction="down", depth=None))

    assert callees(reads, NOW - 3600) == ["legacy-tax"]
    assert callees(reads, NOW - 61) == ["legacy-tax", "payment"]
    assert store.reads == 3


def test_a_call_stored_after_the_time_asked_is_not_in_its_map(settings):
    store = CountedMap([(NOW - 60, "checkout", "payment")])
    reads = Reads(store, settings)
    assert callees(reads, NOW) == ["payment"]

    store.calls.append((NOW + 30, "checkout", "fraud"))
    reads.graphs.clear()

    assert callees(reads, NOW) == ["payment"]
    assert callees(reads, NOW + 60) == ["fraud", "payment"]


def test_the_map_read_ahead_is_made_ready_for_blast_radius(settings):
    cycle = [(NOW - 60, "web", "cart"), (NOW - 60, "cart", "stock"), (NOW - 60, "stock", "cart")]
    reads = Reads(FakeMap(cycle), settings)

    warm_map(reads)

    graph = reads.graphs.cached(question_window(reads, None, None), now=NOW)
    assert graph is not None
    assert {SCHEDULE, SOLVERS} <= set(graph.index.memo)
