"""The web view's map of a large fleet: teams as single nodes, one team opened to its services."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.render.picture import TIMEOUT_S
from bot.usecases.drawing import rendered
from bot.usecases.windows import Window
from topology.glance import Glance, glance
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.picture.labels import error_percent, p95, rate
from topology.picture.summary_dot import build_summary_dot, group_name
from topology.picture.teams import Group, Link, TeamSummary, Unit, summarise
from topology.stats import EdgeStats

KEPT = 16
"""Summaries kept per map: the teams opened lately, over the filters and windows asked."""
MEMO_KEY = "web-view-summaries"
_MAKING = threading.Lock()


@dataclass(frozen=True, slots=True)
class Summed:
    """A summary as SVG, with what stands behind its node IDs and lines."""

    svg: str
    nodes: dict[str, str]
    """Service node IDs (`n3`) to the names they draw."""
    groups: dict[str, dict[str, object]]
    """Team node IDs (`g2`) to the team and its counts."""
    edges: list[dict[str, object]]
    note: str
    opened: str | None
    """The team drawn as its services ("" for no team); None for none."""
    health: dict[str, dict[str, object]]
    """The drawn services' glances (`topology.glance`)."""


def summed_map(
    graph: ServiceGraph,
    names: list[str],
    *,
    catalog: Catalog,
    baseline: ServiceGraph | None,
    alerting: set[str],
    opened: str | None,
    window: Window,
) -> Summed:
    """The map among `names` summed by team, `opened` drawn as its services, as SVG.

    Kept with the map (which is never changed once read) for the next page asking the
    same of it: a map of a large fleet is summed and laid out once, not at every visit.
    """
    key = (tuple(names), opened, frozenset(alerting), window.start, window.end)
    kept = _kept(graph)
    with kept.lock:
        found = kept.summaries.get(key)
        if found is not None and found[0] is catalog and found[1] is baseline:
            kept.summaries.move_to_end(key)
            return found[2]
    with kept.lock:
        glanced = kept.glanced
    if glanced is None or glanced[0] != key[0] or glanced[1] is not baseline:
        # Every team opened in turn asks the glances of the same names.
        glanced = (key[0], baseline, glance(graph, baseline, names))
        with kept.lock:
            kept.glanced = glanced
    made = _summed(
        graph, names, catalog, health=glanced[2], alerting=alerting, opened=opened, window=window
    )
    with kept.lock:
        kept.summaries[key] = (catalog, baseline, made)
        while len(kept.summaries) > KEPT:
            kept.summaries.popitem(last=False)
    return made


@dataclass(slots=True)
class _Kept:
    lock: threading.Lock = field(default_factory=threading.Lock)
    summaries: OrderedDict[object, tuple[Catalog, ServiceGraph | None, Summed]] = field(
        default_factory=OrderedDict
    )
    glanced: tuple[tuple[str, ...], ServiceGraph | None, dict[str, Glance]] | None = None
    """The last glances made: of which names, against which baseline."""


def _kept(graph: ServiceGraph) -> _Kept:
    """The summaries kept with `graph` (in its index's memo, made once)."""
    found = graph.index.memo.get(MEMO_KEY)
    if isinstance(found, _Kept):
        return found
    with _MAKING:
        found = graph.index.memo.setdefault(MEMO_KEY, _Kept())
    assert isinstance(found, _Kept)  # noqa: S101 - only this module writes MEMO_KEY
    return found


def _summed(
    graph: ServiceGraph,
    names: list[str],
    catalog: Catalog,
    *,
    health: dict[str, Glance],
    alerting: set[str],
    opened: str | None,
    window: Window,
) -> Summed:
    summary = summarise(graph, names, catalog.owner_name, health, alerting, opened=opened)
    seconds = None if window.start is None or window.end is None else window.end - window.start
    title = f"team {summary.opened or 'no team'}" if summary.opened is not None else "teams"
    drawn = build_summary_dot(
        summary, alerting=alerting, window_seconds=seconds, title=f"{title}, {window.describe()}"
    )
    svg = rendered(drawn.picture, fmt="svg", timeout_s=TIMEOUT_S).decode("utf-8")
    ids: dict[Unit, str] = {group.unit: f"g{n}" for n, group in enumerate(drawn.groups)}
    ids.update((("service", name), f"n{n}") for n, name in enumerate(drawn.picture.names))
    words = {unit: unit[1] if unit[0] == "service" else "" for unit in ids}
    words.update((group.unit, f"team {group_name(group)}") for group in summary.groups)
    nodes = {node_id: unit[1] for unit, node_id in ids.items() if unit[0] == "service"}
    return Summed(
        svg=svg,
        nodes=nodes,
        groups={ids[group.unit]: _group_data(group) for group in summary.groups},
        edges=[_edge_data(link, ids, words, seconds) for link in summary.links],
        note=summary_note(summary),
        opened=summary.opened,
        health={name: health[name].to_dict() for name in nodes.values() if name in health},
    )


def summary_note(summary: TeamSummary) -> str:
    """What the summary shows and left out, in one sentence."""
    teams = f"{summary.teams:,} team" + ("" if summary.teams == 1 else "s")
    note = f"{teams} on the map; a team is one node (click it to open it)"
    if summary.teams_left_out:
        note += (
            f"; not drawn: {summary.teams_left_out:,} quieter teams "
            f"({summary.services_left_out:,} services)"
        )
    if summary.links_left_out:
        note += f"; {summary.links_left_out:,} quieter lines"
    return note


def _group_data(group: Group) -> dict[str, object]:
    return {
        "team": group.team,
        "name": group_name(group),
        "rest": group.rest,
        "services": group.services,
        "calls": group.calls,
        "errors": group.errors,
        "error_rate": group.error_rate,
        "failing": group.failing,
        "degraded": group.degraded,
        "slow": group.slow,
        "incidents": group.incidents,
    }


def _edge_data(
    link: Link, ids: dict[Unit, str], words: dict[Unit, str], seconds: int | None
) -> dict[str, object]:
    stats = link.stats or EdgeStats(words[link.parent], words[link.child], link.calls, link.errors)
    return {
        "id": f"{ids[link.parent]}->{ids[link.child]}",
        "parent": words[link.parent],
        "child": words[link.child],
        "calls": link.calls,
        "errors": link.errors,
        "edges": link.edges,
        "summed": link.stats is None,
        "error_percent": error_percent(stats),
        "rate": rate(stats, seconds),
        "p50": stats.latency.quantile_ms(0.5),
        "p95": p95(stats),
    }
