"""Answering a question for a chat face, on in-memory fakes of what the asking desk reads.

No database: `AskDesk` holds the store of the map (`FakeMap`), the budget windows' counts,
the catalog, the redaction, the settings and the clock; each is held in memory here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bot.adapters.store.slices import ByWindow
from bot.questions import Blast, Deps, Rca, Risk, Simulate
from bot.settings import Settings, load_settings
from bot.usecases.answering import answer
from bot.usecases.asking import AskDesk, ask
from bot.usecases.graphs import GraphCache
from tests.unit.usecases.fake_map import FakeMap
from topology.errors import UsageError
from topology.ownership import Catalog, Team
from topology.redaction import Redaction, redaction_of
from topology.retention import DAY

NOW = 1_800_000_000
MINUTE = 60
CATALOG = Catalog(
    owners={"checkout": "shop", "payment": "money"},
    teams={"shop": Team("shop", "#shop"), "money": Team("money", "#money")},
)


@dataclass
class FakeBudgets:
    """Counts per budget window, and the edges of the week before: none; each read kept."""

    asked: list[tuple[int, tuple[int, ...], int]] = field(default_factory=list)
    asked_seen: list[tuple[int, int]] = field(default_factory=list)

    def window_counts(self, end_s: int, windows: Sequence[int], slow_from: int) -> ByWindow:
        self.asked.append((end_s, tuple(windows), slow_from))
        return {length: {} for length in windows}

    def seen_edges(self, start_s: int, end_s: int) -> set[tuple[str, str]]:
        self.asked_seen.append((start_s, end_s))
        return set()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("SVCMAP_DEFAULT_WINDOW", "SVCMAP_REFRESH_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    return load_settings(database_url="sqlite://")


def shop() -> FakeMap:
    """web calling checkout calling payment and cart, every minute of the last half hour."""
    calls = [(NOW - m * MINUTE, "web", "checkout") for m in range(1, 30)]
    calls += [(NOW - m * MINUTE, "checkout", "payment") for m in range(1, 30)]
    calls += [(NOW - m * MINUTE, "checkout", "cart-{num}") for m in range(1, 30)]
    return FakeMap(calls)


def desk_of(
    settings: Settings,
    store: FakeMap,
    *,
    budgets: FakeBudgets | None = None,
    redaction: Redaction | None = None,
) -> AskDesk:
    return AskDesk(
        settings=settings,
        store=store,  # type: ignore[arg-type]  # the series of the map are not read here
        graphs=GraphCache(time.monotonic),
        budgets=budgets or FakeBudgets(),
        catalog=CATALOG,
        redaction=redaction or Redaction(()),
        clock=lambda: float(NOW),
    )


def test_a_dependency_answer_draws_the_service_and_what_it_names(settings):
    reply = answer(desk_of(settings, shop()), Deps(service="checkout", direction="down"))

    assert reply.question == "deps"
    assert reply.focus == "checkout"
    assert reply.interest == {"payment", "cart-{num}"}
    assert reply.drawable
    assert "payment" in reply.detail
    assert [item["name"] for item in reply.data["downstream"]] == ["cart-{num}", "payment"]


def test_a_question_about_now_reads_the_desk_s_clock(settings):
    reply = answer(desk_of(settings, shop()), Blast(service="checkout", window=600))

    assert reply.window_seconds == 600
    assert reply.data["windows"]["window"]["end"] == NOW + 1


def test_a_service_named_as_its_traces_name_it_is_asked_as_the_map_names_it(settings):
    desk = desk_of(settings, shop(), redaction=redaction_of("", defaults=True))

    reply = answer(desk, Blast(service="cart-1234567"))

    assert reply.focus == "cart-{num}"


def test_risk_weighs_the_desk_s_budget_windows_and_draws_no_one_service(settings):
    budgets = FakeBudgets()

    reply = answer(desk_of(settings, shop(), budgets=budgets), Risk())

    assert reply.question == "risk"
    assert reply.graph is None
    assert not reply.drawable
    assert [end for end, _, _ in budgets.asked] == [NOW + 1]
    assert [end for _, end in budgets.asked_seen] == [NOW + 1 - DAY]
    points = {point["name"]: point["owner"] for point in reply.data["single_points"]}
    assert points == {"web": None, "checkout": "shop", "payment": "money", "cart-{num}": None}


def test_a_what_if_is_drawn_around_the_first_service_down(settings):
    reply = answer(desk_of(settings, shop()), Simulate(services=("checkout",)))

    assert reply.focus == "checkout"
    assert "web" in reply.interest


def test_a_plan_without_its_length_and_a_root_cause_question_are_refused(settings):
    desk = desk_of(settings, shop())

    with pytest.raises(UsageError, match="--suggest needs --for"):
        ask(desk, Simulate(services=("checkout",), suggest=True))
    with pytest.raises(UsageError, match="rca is ranked from the store"):
        ask(desk, Rca(service="checkout"))
