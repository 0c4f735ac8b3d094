"""Answer `simulate down ... --for D`: weigh a maintenance window on the weeks before it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from bot.bootstrap import App
from bot.questions import Simulate
from bot.usecases.windows import Window
from topology.errors import UnknownServiceError, UsageError
from topology.graph import ServiceGraph
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
    app: App, question: Simulate, map_of: Callable[[Window], ServiceGraph]
) -> tuple[dict[str, Window], MaintenancePlan]:
    """The plan for `question.services` down for `question.length` from `--at` (default now)."""
    if question.window:
        raise UsageError(
            "--window does not apply with --for: the same hours of past weeks are read"
        )
    start = app.now() if question.at is None else question.at
    length, count = question.length or 0, question.weeks
    planned = Window(start, start + length)
    graphs = []
    for week in range(1, count + 1):
        begin = start - week * WEEK
        graphs.append(((begin, begin + length), map_of(Window(begin, begin + length))))
    down = _resolve(question.services, graphs)
    weeks = []
    for (begin, end), graph in graphs:
        served = {s.service: s.requests for s in app.store.services(begin, end)}
        weeks.append(week_impact(graph, down, served, app.catalog, (begin, end)))
    suggestions: tuple[QuietWindow, ...] = ()
    if question.suggest:
        suggestions = _quiet(app, map_of, down, (start, length), count)
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
    app: App,
    map_of: Callable[[Window], ServiceGraph],
    down: Sequence[str],
    planned: tuple[int, int],
    weeks: int,
) -> tuple[QuietWindow, ...]:
    """The quietest windows in the week from `planned` (start, length), by past weeks."""
    start, length = planned
    history = Window(start - weeks * WEEK, min(start + length, app.now() + 1))
    graph = map_of(history)
    index = graph.index
    entries = [index.names[n] for n, callers in enumerate(index.callers) if not callers]
    by_hour: defaultdict[int, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    if entries:
        series = app.store.service_series(history.start, history.end, services=entries)
        for service, points in series.items():
            for bucket, stats in points:
                by_hour[bucket // HOUR * HOUR][service] += stats.requests
    hourly = hourly_loss(graph, down, by_hour)
    return quiet_windows(hourly, start=start, length=length, weeks=weeks)
