"""An edge's numbers a minute at a time, for the web view's drill-down of a call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.store.ports import CallHistory
from bot.usecases.browsing import SERIES_HOURS
from bot.usecases.windows import Window
from topology.errors import UnknownCallError, UsageError
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.rca.series import edge_series, steps
from topology.redaction import Redaction


@dataclass(frozen=True, slots=True)
class CallDesk:
    """What a call's drill-down uses: the map of a window, the calls' history, the catalog.

    `map_of` reads the map of a window; `redaction` is what names coming in are redacted by.
    """

    map_of: Callable[[Window], ServiceGraph]
    calls: CallHistory
    catalog: Catalog
    redaction: Redaction


def edge_over_time(
    desk: CallDesk, parent: str, child: str, *, at: int | None, hours: int, now_s: int
) -> dict[str, object]:
    """The calls `parent -> child`: calls, errors, p95 and network time a minute, to `at`.

    With each end's team and the team's channel (None for a service no team owns).

    Over the `hours` to `at` (None: `now_s`), the two names read as the map names them
    (redacted as they come in); `UnknownServiceError` when the map of those hours has
    either name not, `UnknownCallError` when it has no call between them, `UsageError` for
    hours outside
    1..SERIES_HOURS. The network time is the caller's time less the callee's, where both
    sides were measured.
    """
    if not 1 <= hours <= SERIES_HOURS:
        raise UsageError(f"hours must be 1 to {SERIES_HOURS}, not {hours}")
    end = (now_s if at is None else at) + 1
    start = end - hours * 3600
    graph = desk.map_of(Window(start, end))
    caller = graph.resolve(desk.redaction.name(parent))
    callee = graph.resolve(desk.redaction.name(child))
    if callee not in graph.succ[caller]:
        raise UnknownCallError(f"{caller} does not call {callee} in those hours")
    points = desk.calls.edge_series(start, end, touching=[caller]).get((caller, callee), [])
    series = edge_series(points, steps(start, end - 1))
    owners = {name: desk.catalog.team_of(name) for name in (caller, callee)}
    return {
        "parent": caller,
        "child": callee,
        "owners": {
            name: {"team": team.name, "channel": team.slack_channel} if team else None
            for name, team in owners.items()
        },
        "at": end - 1,
        "t": list(series.t),
        "requests": list(series.metrics.get("requests", ())),
        "errors": list(series.metrics.get("errors", ())),
        "p95_ms": list(series.metrics.get("latency_p95_ms", ())),
        "network_ms": list(series.metrics.get("network_ms", ())),
    }
