"""Answer `risk`: read the map, the last day against the week before, and the budget windows.

The requests each service served in the question's window and its counts in every
budget window are read in one query (`WindowCounts`), all of them ending together; of
the week before the last day, only which edges it had. Weak points weigh traffic alone,
so a map not already read is read with its edges' calls and errors only
(`traffic_maps`), not their latency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.store.ports import BudgetHistory, CallMap
from bot.questions import Risk
from bot.usecases.windows import Window
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.burn import BudgetPolicy, burning_counts, slow_from
from topology.queries.risk import RiskLimits, RiskResult, edges_new_since, weak_points
from topology.retention import DAY

RECENT_S = DAY
"""New dependencies: edges seen in this long up to the question's end..."""
BEFORE_S = 7 * DAY
"""...and not in this long before it."""


@dataclass(frozen=True, slots=True)
class RiskDesk:
    """What weighing risks uses: the budget windows' history, the catalog, the settings, the time.

    `policy` is the objective and burn rates the settings give; `min_share` the share of
    the entry traffic below which a weak point is left out, unless the question says.
    """

    history: BudgetHistory
    catalog: Catalog
    policy: BudgetPolicy
    min_share: float
    now_s: int


def traffic_maps(
    held: Callable[[Window], ServiceGraph | None], store: CallMap
) -> Callable[[Window], ServiceGraph]:
    """Maps for `weigh_risks`: one `held` already, else the calls of `window` alone.

    A map read here is kept for this question only: the maps held carry latency, for the
    questions that show it.
    """
    read: dict[Window, ServiceGraph] = {}

    def map_of(window: Window) -> ServiceGraph:
        found = held(window)
        if found is not None:
            return found
        if window not in read:
            served = {s.service: s.requests for s in store.services(window.start, window.end)}
            edges = store.edge_calls(window.start, window.end)
            read[window] = ServiceGraph.build(edges, store.nodes(), served)
        return read[window]

    return map_of


def weigh_risks(
    desk: RiskDesk, args: Risk, map_of: Callable[[Window], ServiceGraph]
) -> tuple[dict[str, Window], RiskResult]:
    """The weak points of the map of `--window` (default the last day) up to `--at`.

    Maps are read by `map_of`; the last day's map is the one new edges are found in, so
    by default it is read once.
    """
    end = (desk.now_s if args.at is None else args.at) + 1
    recent = Window(end - RECENT_S, end)
    window = Window(end - args.window, end) if args.window else recent
    graph = map_of(window)
    policy = desk.policy
    length = args.window or RECENT_S
    by_window = desk.history.window_counts(
        end, (length, *policy.windows), slow_from(policy.slow_bound_ms)
    )
    served = {service: counts[0] for service, counts in by_window[length].items()}
    before = Window(end - RECENT_S - BEFORE_S, end - RECENT_S)
    seen = desk.history.seen_edges(end - RECENT_S - BEFORE_S, end - RECENT_S)
    new_edges = edges_new_since(map_of(recent), seen)
    limits = RiskLimits(min_share=args.min_share or desk.min_share, limit=args.limit)
    result = weak_points(
        graph,
        desk.catalog,
        served,
        limits=limits,
        new_edges=new_edges,
        burning=burning_counts(by_window, policy, desk.catalog.owners),
    )
    return {"window": window, "before": before, "after": recent}, result
