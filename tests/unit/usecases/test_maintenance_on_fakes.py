"""Weighing a maintenance window on the weeks before it, on an in-memory history.

The use case takes the requests served (`ServedHistory`), the maps of past windows and
the catalog as arguments; here each is built in memory. The store's side of the same
question is held by `tests/integration/test_maintenance_cli.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pytest

from bot.adapters.store.ports import ServedHistory, ServiceSeries
from bot.questions import Simulate
from bot.usecases.maintenance import plan_maintenance
from bot.usecases.windows import Window
from topology.errors import UnknownServiceError, UsageError
from topology.graph import ServiceGraph
from topology.ownership import Catalog, Team
from topology.stats import EdgeStats, ServiceStats

HOUR, WEEK = 3_600, 7 * 86_400
START = 1_777_852_800  # a Monday, 00:00 UTC
NOW = START - HOUR
CATALOG = Catalog(
    owners={"web": "front", "api": "core"},
    teams={"front": Team("front", slack_channel="#front"), "core": Team("core")},
)


@dataclass
class FakeHistory:
    """Requests served per service and hour; what each read asked."""

    hourly: dict[int, dict[str, int]] = field(default_factory=dict)
    asked: list[tuple[int | None, int | None]] = field(default_factory=list)

    def services(self, start_s: int | None = None, end_s: int | None = None) -> list[ServiceStats]:
        self.asked.append((start_s, end_s))
        summed: dict[str, int] = {}
        for hour, counts in self.hourly.items():
            if (start_s is None or hour >= start_s) and (end_s is None or hour < end_s):
                for name, n in counts.items():
                    summed[name] = summed.get(name, 0) + n
        return [ServiceStats(name, requests) for name, requests in sorted(summed.items())]

    def service_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        services: Collection[str] | None = None,
    ) -> ServiceSeries:
        found: ServiceSeries = {}
        for hour, counts in sorted(self.hourly.items()):
            if (start_s is None or hour >= start_s) and (end_s is None or hour < end_s):
                for name, n in counts.items():
                    if services is None or name in services:
                        found.setdefault(name, []).append((hour, ServiceStats(name, n)))
        return found


def _map(_window: Window) -> ServiceGraph:
    return ServiceGraph.build([EdgeStats("web", "api", calls=10)])


def _history(busy: int, quiet_hour: int) -> FakeHistory:
    """Two weeks of `busy` requests an hour at `web`, but 1 at `quiet_hour` of each week."""
    history = FakeHistory()
    for hour in range(START - 2 * WEEK, START, HOUR):
        n = 1 if (hour - START) % WEEK == quiet_hour * HOUR else busy
        history.hourly[hour] = {"web": n, "api": n}
    return history


def test_the_fake_is_the_port_the_use_case_reads() -> None:
    port: ServedHistory = FakeHistory()
    assert port.services() == []


def test_a_window_is_weighed_on_the_same_hours_of_each_week_before() -> None:
    history = _history(busy=100, quiet_hour=27)
    question = Simulate(services=("api",), length=2 * HOUR, weeks=2, at=START)

    windows, plan = plan_maintenance(history, CATALOG, question, _map, now_s=NOW)

    assert windows == {"window": Window(START, START + 2 * HOUR)}
    assert plan.down == ("api",)
    assert [(week.start, week.end) for week in plan.weeks] == [
        (START - WEEK, START - WEEK + 2 * HOUR),
        (START - 2 * WEEK, START - 2 * WEEK + 2 * HOUR),
    ]
    assert [week.entry_requests for week in plan.weeks] == [200, 200]
    assert [week.lost_requests for week in plan.weeks] == [200, 200]  # web needs api
    assert plan.median_lost_requests == 200
    assert [(hit.team, hit.weeks, hit.services) for hit in plan.teams] == [
        ("front", 2, ("web",))  # the callers' teams: the one taking it down knows
    ]
    assert plan.suggestions == ()


def test_the_quietest_window_of_the_week_is_suggested() -> None:
    history = _history(busy=100, quiet_hour=27)
    question = Simulate(services=("api",), length=HOUR, weeks=2, suggest=True, at=START)

    _, plan = plan_maintenance(history, CATALOG, question, _map, now_s=NOW)

    assert plan.suggestions
    best = plan.suggestions[0]
    assert (best.start, best.end) == (START + 27 * HOUR, START + 28 * HOUR)
    assert best.lost_requests < 100


def test_the_time_given_is_the_start_when_no_at_is_asked() -> None:
    history = _history(busy=5, quiet_hour=0)
    question = Simulate(services=("api",), length=HOUR, weeks=1)

    windows, plan = plan_maintenance(history, CATALOG, question, _map, now_s=START)

    assert windows["window"] == Window(START, START + HOUR)
    assert history.asked == [(START - WEEK, START - WEEK + HOUR)]
    assert plan.start == START


def test_a_window_option_or_an_unknown_service_is_refused() -> None:
    history = _history(busy=5, quiet_hour=0)
    with pytest.raises(UsageError, match="--window does not apply"):
        plan_maintenance(
            history,
            CATALOG,
            Simulate(services=("api",), length=HOUR, window=HOUR),
            _map,
            now_s=NOW,
        )
    with pytest.raises(UnknownServiceError):
        plan_maintenance(
            history, CATALOG, Simulate(services=("nope",), length=HOUR), _map, now_s=NOW
        )
