"""Weighing a map's risks on an in-memory history of budget windows and past edges.

The use case takes the history (`BudgetHistory`), the catalog, the budget policy, the
smallest share and the time (`RiskDesk`), and the maps of its windows, as arguments;
here each is held in memory. The store's side of the same question is held by
`tests/integration/test_risk_cli.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.adapters.store.ports import BudgetHistory, CallMap
from bot.adapters.store.slices import ByWindow
from bot.questions import Risk
from bot.usecases.risk import BEFORE_S, RECENT_S, RiskDesk, traffic_maps, weigh_risks
from bot.usecases.windows import Window
from topology.graph import ServiceGraph
from topology.ownership import Catalog, Team
from topology.queries.burn import slow_from, workbook_policy
from topology.stats import EdgeStats, Node, ServiceStats

NOW_S = 1_777_604_400
HOUR = 3_600
POLICY = workbook_policy(0.99, 500.0)
CATALOG = Catalog(
    owners={"web": "front", "api": "core"},
    teams={"front": Team("front"), "core": Team("core")},
)
EDGES = [
    EdgeStats("web", "api", calls=90),
    EdgeStats("web", "static", calls=10),
    EdgeStats("api", "flags", calls=30),
]


@dataclass
class FakeHistory:
    """Counts per window length and the edges of the week before; what each read asked."""

    counts: ByWindow = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)
    asked_counts: list[tuple[int, tuple[int, ...], int]] = field(default_factory=list)
    asked_seen: list[tuple[int, int]] = field(default_factory=list)

    def window_counts(self, end_s: int, windows: Sequence[int], slow_from: int) -> ByWindow:
        self.asked_counts.append((end_s, tuple(windows), slow_from))
        return {length: dict(self.counts.get(length, {})) for length in windows}

    def seen_edges(self, start_s: int, end_s: int) -> set[tuple[str, str]]:
        self.asked_seen.append((start_s, end_s))
        return set(self.seen)


@dataclass
class FakeCalls:
    """A store of calls alone: every window holds the same edges; each window read."""

    asked: list[tuple[int | None, int | None]] = field(default_factory=list)

    def nodes(self) -> list[Node]:
        return [Node("web"), Node("api"), Node("static"), Node("flags")]

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        self.asked.append((start_s, end_s))
        return [ServiceStats("web", 100)]

    def edge_calls(self, start_s: int | None = None, end_s: int | None = None) -> list[EdgeStats]:
        self.asked.append((start_s, end_s))
        return list(EDGES)


def _map(_window: Window) -> ServiceGraph:
    return ServiceGraph.build(EDGES, requests={"web": 100})


def _desk(history: FakeHistory, *, min_share: float = 0.5) -> RiskDesk:
    return RiskDesk(
        history=history, catalog=CATALOG, policy=POLICY, min_share=min_share, now_s=NOW_S
    )


def test_the_fakes_are_the_ports_the_use_case_reads() -> None:
    history: BudgetHistory = FakeHistory()
    calls: CallMap = FakeCalls()
    assert history.seen_edges(0, 1) == set()
    assert calls.edge_calls() == EDGES


def test_the_last_day_to_now_is_weighed_against_the_week_before_it() -> None:
    history = FakeHistory(counts={RECENT_S: {"web": (100, 0, 0)}})

    windows, result = weigh_risks(_desk(history), Risk(), _map)

    end = NOW_S + 1
    assert windows == {
        "window": Window(end - RECENT_S, end),
        "before": Window(end - RECENT_S - BEFORE_S, end - RECENT_S),
        "after": Window(end - RECENT_S, end),
    }
    assert history.asked_counts == [
        (end, (RECENT_S, *POLICY.windows), slow_from(POLICY.slow_bound_ms))
    ]
    assert history.asked_seen == [(end - RECENT_S - BEFORE_S, end - RECENT_S)]
    assert result.entry_requests == 100
    assert [point.name for point in result.single_points] == ["web", "api", "flags"]


def test_an_edge_not_seen_the_week_before_is_new_and_one_seen_is_not() -> None:
    history = FakeHistory(
        counts={RECENT_S: {"web": (100, 0, 0)}}, seen={("web", "api"), ("web", "static")}
    )

    _, result = weigh_risks(_desk(history), Risk(at=NOW_S - HOUR), _map)

    new = [(d.parent, d.child) for d in result.new_dependencies]
    assert new == [("api", "flags")]
    assert history.asked_counts[0][0] == NOW_S - HOUR + 1


def test_a_service_failing_in_its_budget_windows_is_burning() -> None:
    failing = {length: {"api": (1_000, 500, 0)} for length in POLICY.windows}
    history = FakeHistory(counts={RECENT_S: {"web": (100, 0, 0)}, **failing})

    _, result = weigh_risks(_desk(history), Risk(), _map)

    assert {(burn.service, burn.budget) for burn in result.burning} == {("api", "errors")}


def test_the_smallest_share_is_the_question_s_else_the_desk_s() -> None:
    history = FakeHistory(counts={RECENT_S: {"web": (100, 0, 0)}})

    _, asked = weigh_risks(_desk(history, min_share=0.5), Risk(min_share=0.95), _map)
    _, given = weigh_risks(_desk(history, min_share=0.25), Risk(), _map)

    assert (asked.min_share, given.min_share) == (0.95, 0.25)


def test_a_map_held_is_used_and_one_not_held_is_read_once_of_its_calls() -> None:
    calls = FakeCalls()
    held_window = Window(0, HOUR)
    held_map = _map(held_window)
    maps = traffic_maps(lambda w: held_map if w == held_window else None, calls)

    assert maps(held_window) is held_map
    assert calls.asked == []
    read = maps(Window(HOUR, 2 * HOUR))
    assert maps(Window(HOUR, 2 * HOUR)) is read
    assert calls.asked == [(HOUR, 2 * HOUR), (HOUR, 2 * HOUR)]  # served, then calls
    assert sorted((e.parent, e.child, e.calls) for e in read.edges()) == [
        ("api", "flags", 30),
        ("web", "api", 90),
        ("web", "static", 10),
    ]
