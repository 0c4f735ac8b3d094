"""Answer `risk`: read the map, the last day against the week before, and the budget windows.

The requests each service served in the question's window and its counts in every
budget window are read in one query (`WindowCounts`), all of them ending together; of
the week before the last day, only which edges it had. Weak points weigh traffic alone,
so a map not already read is read with its edges' calls and errors only
(`traffic_maps`), not their latency.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.store.slices import WindowCounts, seen_edges
from bot.bootstrap import App
from bot.questions import Risk
from bot.usecases.windows import Window
from topology.graph import ServiceGraph
from topology.queries.burn import BudgetPolicy, burning_counts, slow_from, workbook_policy
from topology.queries.risk import RiskLimits, RiskResult, edges_new_since, weak_points
from topology.retention import DAY

RECENT_S = DAY
"""New dependencies: edges seen in this long up to the question's end..."""
BEFORE_S = 7 * DAY
"""...and not in this long before it."""


def budget_policy(app: App) -> BudgetPolicy:
    """The objective and burn rates the settings give."""
    settings = app.settings
    return workbook_policy(
        settings.slo_objective,
        settings.slo_latency_ms,
        settings.burn_fast_rate,
        settings.burn_slow_rate,
    )


def traffic_maps(app: App, *, live: bool) -> Callable[[Window], ServiceGraph]:
    """Maps for `weigh_risks`: one the app already holds, else the calls of `window` alone.

    A map read here is kept for this question only: the app's maps carry latency, for the
    questions that show it. `live`: windows ending now (no `--at`).
    """
    read: dict[Window, ServiceGraph] = {}

    def map_of(window: Window) -> ServiceGraph:
        held = app.graphs.cached(window, now=app.now() if live else None)
        if held is not None:
            return held
        if window not in read:
            store = app.store
            served = {s.service: s.requests for s in store.services(window.start, window.end)}
            edges = store.edge_calls(window.start, window.end)
            read[window] = ServiceGraph.build(edges, store.nodes(), served)
        return read[window]

    return map_of


def weigh_risks(
    app: App, args: Risk, map_of: Callable[[Window], ServiceGraph]
) -> tuple[dict[str, Window], RiskResult]:
    """The weak points of the map of `--window` (default the last day) up to `--at`.

    Maps are read by `map_of`; the last day's map is the one new edges are found in, so
    by default it is read once.
    """
    end = (app.now() if args.at is None else args.at) + 1
    recent = Window(end - RECENT_S, end)
    window = Window(end - args.window, end) if args.window else recent
    graph = map_of(window)
    policy = budget_policy(app)
    length = args.window or RECENT_S
    by_window = WindowCounts(app.engine).read(
        end, (length, *policy.windows), slow_from(policy.slow_bound_ms)
    )
    served = {service: counts[0] for service, counts in by_window[length].items()}
    before = Window(end - RECENT_S - BEFORE_S, end - RECENT_S)
    seen = seen_edges(app.engine, end - RECENT_S - BEFORE_S, end - RECENT_S)
    new_edges = edges_new_since(map_of(recent), seen)
    limits = RiskLimits(
        min_share=args.min_share or app.settings.risk_min_share,
        limit=args.limit,
    )
    result = weak_points(
        graph,
        app.catalog,
        served,
        limits=limits,
        new_edges=new_edges,
        burning=burning_counts(by_window, policy, app.catalog.owners),
    )
    return {"window": window, "before": before, "after": recent}, result
