"""Answer `simulate down ... --for D`: weigh a maintenance window on the weeks before it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from bot.adapters.store.ports import ServedHistory
from bot.questions import Simulate
from bot.usecases.windows import Window
from topology.errors import UnknownServiceError, UsageError
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.maintenance import (
    HOUR,
    WEEK,
    MaintenancePlan,
    QuietWindow,
    hourly_loss,
    plan,
    quiet_windows,
    week_impact,
)


def plan_maintenance(
    history: ServedHistory,
    catalog: Catalog,
    question: Simulate,
    map_of: Callable[[Window], ServiceGraph],
    *,
    now_s: int,
) -> tuple[dict[str, Window], MaintenancePlan]:
    """The plan for `question.services` down for `question.length` from `--at` (default now).

    The maps of past weeks come from `map_of`, the requests served from `history`, the
    teams from `catalog`.
    """
    if question.window:
        raise UsageError(
            "--window does not apply with --for: the same hours of past weeks are read"
        )
    start = now_s if question.at is None else question.at
    length, count = question.length or 0, question.weeks
    planned = Window(start, start + length)
    graphs = []
    for week in range(1, count + 1):
        begin = start - week * WEEK
        graphs.append(((begin, begin + length), map_of(Window(begin, begin + length))))
    down = _resolve(question.services, graphs)
    weeks = []
    for (begin, end), graph in graphs:
        served = {s.service: s.requests for s in history.services(begin, end)}
        weeks.append(week_impact(graph, down, served, catalog, (begin, end)))
    suggestions: tuple[QuietWindow, ...] = ()
    if question.suggest:
        suggestions = _quiet(history, map_of, down, (start, length), count, now_s=now_s)
    return {"window": planned}, plan(down, (start, start + length), weeks, suggestions)


def _resolve(
    names: Sequence[str], graphs: Sequence[tuple[tuple[int, int], ServiceGraph]]
) -> list[str]:
    """Each name as the weeks' maps spell it; unknown to every week's map: an error."""
    found = []
    for name in names:
        error: UnknownServiceError | None = None
        for _window, graph in graphs:
            try:
                found.append(graph.resolve(name))
                break
            except UnknownServiceError as missing:
                error = error or missing
        else:
            raise error or UnknownServiceError(name, [])
    return list(dict.fromkeys(found))


def _quiet(
    history: ServedHistory,
    map_of: Callable[[Window], ServiceGraph],
    down: Sequence[str],
    planned: tuple[int, int],
    weeks: int,
    *,
    now_s: int,
) -> tuple[QuietWindow, ...]:
    """The quietest windows in the week from `planned` (start, length), by past weeks."""
    start, length = planned
    read = Window(start - weeks * WEEK, min(start + length, now_s + 1))
    graph = map_of(read)
    index = graph.index
    entries = [index.names[n] for n, callers in enumerate(index.callers) if not callers]
    by_hour: defaultdict[int, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    if entries:
        series = history.service_series(read.start, read.end, services=entries)
        for service, points in series.items():
            for bucket, stats in points:
                by_hour[bucket // HOUR * HOUR][service] += stats.requests
    hourly = hourly_loss(graph, down, by_hour)
    return quiet_windows(hourly, start=start, length=length, weeks=weeks)
