"""A call's drill-down, minute by minute, on an in-memory map and history of calls.

The use case takes the map of a window, the calls bucket by bucket (`CallHistory`), the
catalog and the redaction (`CallDesk`), and the time, as arguments; here each is held in
memory. The store's and the web view's side is held by `tests/e2e/test_web_view.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pytest

from bot.adapters.store.ports import CallHistory, EdgeSeries
from bot.usecases.browsing import SERIES_HOURS
from bot.usecases.edge_over_time import CallDesk, edge_over_time
from bot.usecases.windows import Window
from topology.errors import UnknownCallError, UnknownServiceError, UsageError
from topology.graph import ServiceGraph
from topology.ownership import Catalog, Team
from topology.redaction import redaction_of
from topology.stats import EdgeStats

NOW_S = 1_777_604_400  # on the minute
HOUR = 3_600
CATALOG = Catalog(
    owners={"web": "front", "cart-{num}": "shop"},
    teams={"front": Team("front", slack_channel="#front"), "shop": Team("shop")},
)
EDGES = [EdgeStats("web", "cart-{num}", calls=5), EdgeStats("cart-{num}", "db", calls=3)]


def _bucket(calls: int, errors: int, *, client_ms: float, server_ms: float) -> EdgeStats:
    edge = EdgeStats("web", "cart-{num}", calls=calls, errors=errors)
    for _ in range(calls):
        edge.latency.add(server_ms)
        edge.client.add(client_ms)
        edge.server.add(server_ms)
    return edge


@dataclass
class FakeCalls:
    """The calls `web -> cart-{num}` in two minutes before NOW_S; what each read asked."""

    buckets: EdgeSeries = field(default_factory=dict)
    asked: list[tuple[int | None, int | None, list[str] | None]] = field(default_factory=list)

    def edge_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        touching: Collection[str] | None = None,
    ) -> EdgeSeries:
        self.asked.append((start_s, end_s, None if touching is None else list(touching)))
        return {
            key: [(t, s) for t, s in points if start_s is not None and start_s <= t]
            for key, points in self.buckets.items()
        }


@dataclass
class Maps:
    """The same map for every window; the windows asked."""

    asked: list[Window] = field(default_factory=list)

    def __call__(self, window: Window) -> ServiceGraph:
        self.asked.append(window)
        return ServiceGraph.build(EDGES)


def _calls() -> FakeCalls:
    return FakeCalls(
        buckets={
            ("web", "cart-{num}"): [
                (NOW_S - 120, _bucket(4, 1, client_ms=30.0, server_ms=20.0)),
                (NOW_S - 60, _bucket(2, 0, client_ms=15.0, server_ms=15.0)),
            ]
        }
    )


def _desk(calls: FakeCalls, maps: Maps | None = None) -> CallDesk:
    return CallDesk(
        map_of=maps or Maps(),
        calls=calls,
        catalog=CATALOG,
        redaction=redaction_of("", defaults=True),
    )


def test_the_fake_is_the_port_the_use_case_reads() -> None:
    calls: CallHistory = _calls()
    assert list(calls.edge_series(0, NOW_S)) == [("web", "cart-{num}")]


def test_the_hours_to_now_are_read_minute_by_minute_with_the_network_time() -> None:
    calls, maps = _calls(), Maps()

    found = edge_over_time(_desk(calls, maps), "web", "cart-{num}", at=None, hours=1, now_s=NOW_S)

    end = NOW_S + 1
    assert maps.asked == [Window(end - HOUR, end)]
    assert calls.asked == [(end - HOUR, end, ["web"])]
    assert found["at"] == NOW_S
    assert found["t"] == list(range(NOW_S - HOUR + 60, NOW_S + 1, 60))
    assert found["requests"][-3:] == [4, 2, 0]  # the minute of NOW_S has no bucket
    assert found["errors"][-3:] == [1, 0, 0]
    assert found["network_ms"][-3:] == [10.0, 0.0, None]


def test_an_at_given_ends_the_hours_there_not_now() -> None:
    calls, maps = _calls(), Maps()
    at = NOW_S - 2 * HOUR

    found = edge_over_time(_desk(calls, maps), "web", "cart-{num}", at=at, hours=3, now_s=NOW_S)

    assert maps.asked == [Window(at + 1 - 3 * HOUR, at + 1)]
    assert found["at"] == at
    assert len(found["t"]) == 3 * 60


def test_names_are_read_redacted_and_each_end_comes_with_its_team() -> None:
    found = edge_over_time(_desk(_calls()), "WEB", "cart-1234567", at=None, hours=1, now_s=NOW_S)

    assert (found["parent"], found["child"]) == ("web", "cart-{num}")
    assert found["owners"] == {
        "web": {"team": "front", "channel": "#front"},
        "cart-{num}": {"team": "shop", "channel": None},
    }
    owners = edge_over_time(_desk(_calls()), "cart-{num}", "db", at=None, hours=1, now_s=NOW_S)
    assert owners["owners"] == {"cart-{num}": {"team": "shop", "channel": None}, "db": None}


def test_a_name_off_the_map_or_no_call_between_the_two_reads_no_series() -> None:
    calls = _calls()

    with pytest.raises(UnknownServiceError):
        edge_over_time(_desk(calls), "web", "payments", at=None, hours=1, now_s=NOW_S)
    with pytest.raises(UnknownCallError, match="db does not call web"):
        edge_over_time(_desk(calls), "db", "web", at=None, hours=1, now_s=NOW_S)
    assert calls.asked == []


@pytest.mark.parametrize("hours", [0, SERIES_HOURS + 1])
def test_hours_outside_the_series_span_are_refused_before_any_read(hours: int) -> None:
    calls, maps = _calls(), Maps()

    with pytest.raises(UsageError, match=f"hours must be 1 to {SERIES_HOURS}"):
        edge_over_time(_desk(calls, maps), "web", "cart-{num}", at=None, hours=hours, now_s=NOW_S)
    assert (maps.asked, calls.asked) == ([], [])
