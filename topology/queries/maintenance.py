"""Planning maintenance: what a window with services down would hit, and quieter windows.

A planned window is weighed on the same hours of each of the last weeks: on each week's
map, the entry requests (those of the services nobody calls) whose handling would reach a
downed service (each entry's requests times its share, as `blast` and `simulate` tell
it; a downed entry loses all of its own), and the teams owning what would lose calls.

Quieter windows are weighed more cheaply: the shares of one map over all the weeks read,
applied hour by hour to the entries' requests of those weeks. A candidate start is an
hour in the week ahead; its cost is the mean over the weeks holding any entry request in
its hours. Hours without data therefore never make a window look quiet on their own.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from topology.errors import UsageError
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.contacts import UNOWNED, team_order
from topology.queries.jsonable import as_dict
from topology.queries.reach import reach_by_number
from topology.queries.risk import entry_traffic
from topology.timespec import format_duration, format_time

HOUR = 3_600
WEEK = 7 * 24 * HOUR
SUGGESTIONS = 3
"""How many quiet windows a suggestion lists."""


@dataclass(frozen=True, slots=True)
class WeekImpact:
    """The planned window's hours one week back: traffic then, and what it would lose."""

    start: int
    end: int
    entry_requests: float
    lost_requests: float
    affected: int
    teams: tuple[str, ...]

    @property
    def lost_share(self) -> float | None:
        """The part of that window's entry requests lost, None when it had none."""
        return self.lost_requests / self.entry_requests if self.entry_requests else None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data, with the share lost and the times in words."""
        return {**as_dict(self), "lost_share": self.lost_share, **_times(self.start, self.end)}


@dataclass(frozen=True, slots=True)
class TeamHit:
    """A team owning services that would lose calls, in how many of the weeks weighed."""

    team: str
    weeks: int
    services: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        return as_dict(self)


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """A candidate window, and the entry requests it would lose, by the weeks before it."""

    start: int
    end: int
    lost_requests: float
    entry_requests: float
    weeks: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data, with the times in words."""
        return {**as_dict(self), **_times(self.start, self.end)}


@dataclass(frozen=True, slots=True)
class MaintenancePlan:
    """The planned window, its impact week by week, the teams to tell, quieter windows."""

    down: tuple[str, ...]
    start: int
    end: int
    weeks: tuple[WeekImpact, ...]
    median_lost_requests: float | None
    """Over the weeks holding any entry request in those hours; None without any."""
    teams: tuple[TeamHit, ...]
    suggestions: tuple[QuietWindow, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data, with the times in words."""
        return {**as_dict(self), **_times(self.start, self.end)}


def _times(start: int, end: int) -> dict[str, str]:
    return {"start_text": format_time(start), "length_text": format_duration(end - start)}


def lost_requests(
    graph: ServiceGraph, down: Sequence[str], served: Mapping[str, int]
) -> tuple[float, float]:
    """The entry requests of `graph` whose handling reaches `down`, and all entry requests.

    Names of `down` missing from `graph` (not seen that week) are left out.
    """
    index = graph.index
    entries = entry_traffic(graph, served)
    total = sum(requests for _entry, requests in entries)
    targets = [index.ids[name] for name in down if graph.has(name)]
    if not targets:
        return 0.0, total
    _hops, share = reach_by_number(index, targets)
    return sum(requests * share[entry] for entry, requests in entries), total


def week_impact(
    graph: ServiceGraph,
    down: Sequence[str],
    served: Mapping[str, int],
    catalog: Catalog,
    window: tuple[int, int],
) -> tuple[WeekImpact, dict[str, tuple[str, ...]]]:
    """The impact of `down` on one week's map of the planned hours, `window`.

    With it, the services that would lose calls by owning team ("unowned" for none).
    """
    lost, total = lost_requests(graph, down, served)
    index = graph.index
    targets = [index.ids[name] for name in down if graph.has(name)]
    hops = reach_by_number(index, targets)[0] if targets else {}
    by_team: defaultdict[str, list[str]] = defaultdict(list)
    for name in sorted(index.names[number] for number in hops):
        by_team[catalog.owner_name(name) or UNOWNED].append(name)
    impact = WeekImpact(
        start=window[0],
        end=window[1],
        entry_requests=total,
        lost_requests=lost,
        affected=len(hops),
        teams=tuple(sorted(by_team)),
    )
    return impact, {team: tuple(names) for team, names in by_team.items()}


def plan(
    down: Sequence[str],
    window: tuple[int, int],
    weeks: Sequence[tuple[WeekImpact, Mapping[str, tuple[str, ...]]]],
    suggestions: Sequence[QuietWindow] = (),
) -> MaintenancePlan:
    """The plan for taking `down` offline over `window`.

    `weeks` holds each week's impact, with the services that would lose calls by team.
    """
    impacts = tuple(impact for impact, _teams in weeks)
    with_data = [impact.lost_requests for impact in impacts if impact.entry_requests > 0]
    services: defaultdict[str, set[str]] = defaultdict(set)
    counts: defaultdict[str, int] = defaultdict(int)
    for _impact, by_team in weeks:
        for team, names in by_team.items():
            services[team].update(names)
            counts[team] += 1
    teams = tuple(
        TeamHit(team, counts[team], tuple(sorted(services[team])))
        for team in sorted(services, key=lambda t: team_order(None if t == UNOWNED else t))
    )
    median = statistics.median(with_data) if with_data else None
    return MaintenancePlan(
        down=tuple(down),
        start=window[0],
        end=window[1],
        weeks=impacts,
        median_lost_requests=median,
        teams=teams,
        suggestions=tuple(suggestions),
    )


def quiet_windows(
    hourly: Mapping[int, tuple[float, float]],
    *,
    start: int,
    length: int,
    weeks: int,
    horizon: int = WEEK,
    count: int = SUGGESTIONS,
) -> tuple[QuietWindow, ...]:
    """The `count` windows that lost the fewest entry requests, by past weeks' same hours.

    Each window is `length` long and starts on an hour in `[start, start + horizon)`; it is
    weighed on the same hours of the `weeks` weeks before.

    `hourly[h]` is (entry requests lost, entry requests) in the hour starting at `h`;
    windows overlapping a better one already listed are left out.
    """
    if length <= 0 or weeks < 1 or horizon <= 0:
        raise UsageError("a window needs a positive length, and at least one week of history")
    first = -(-start // HOUR) * HOUR
    hours = -(-length // HOUR)
    scored = []
    for begin in range(first, start + horizon, HOUR):
        lost_by_week = []
        entry_by_week = []
        for week in range(1, weeks + 1):
            back = begin - week * WEEK
            lost = entry = 0.0
            for hour in range(hours):
                hour_lost, hour_entry = hourly.get(back + hour * HOUR, (0.0, 0.0))
                lost += hour_lost
                entry += hour_entry
            if entry > 0:
                lost_by_week.append(lost)
                entry_by_week.append(entry)
        if lost_by_week:
            scored.append(
                QuietWindow(
                    start=begin,
                    end=begin + length,
                    lost_requests=statistics.fmean(lost_by_week),
                    entry_requests=statistics.fmean(entry_by_week),
                    weeks=len(lost_by_week),
                )
            )
    scored.sort(key=lambda window: (window.lost_requests, window.start))
    chosen: list[QuietWindow] = []
    for window in scored:
        if all(window.end <= kept.start or window.start >= kept.end for kept in chosen):
            chosen.append(window)
        if len(chosen) == count:
            break
    return tuple(chosen)


def hourly_loss(
    graph: ServiceGraph,
    down: Sequence[str],
    requests_by_hour: Mapping[int, Mapping[str, int]],
) -> dict[int, tuple[float, float]]:
    """Per hour, (entry requests lost, entry requests), with the shares of `graph`.

    `requests_by_hour[h][service]` are the requests a service served in the hour from `h`;
    an entry with none served that hour counts none.
    """
    index = graph.index
    entries = [number for number, callers in enumerate(index.callers) if not callers]
    targets = [index.ids[name] for name in down if graph.has(name)]
    share = reach_by_number(index, targets)[1] if targets else [0.0] * len(index.names)
    found = {}
    for hour, served in requests_by_hour.items():
        lost = total = 0.0
        for entry in entries:
            requests = served.get(index.names[entry], 0)
            lost += requests * share[entry]
            total += requests
        found[hour] = (lost, total)
    return found
