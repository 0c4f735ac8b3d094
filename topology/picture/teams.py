"""The map summed by team: each team one node with its counts, one team opened to its services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from topology.glance import Glance
from topology.graph import ServiceGraph
from topology.stats import EdgeStats, Node

GROUP_BUDGET = 24
"""Teams a summary draws at most: the unhealthy first, then the busiest (kept few enough to
read: on a large fleet nearly every team calls nearly every other)."""
SERVICE_BUDGET = 40
"""Services of the opened team drawn one by one at most; the rest stay one node."""
LINK_BUDGET = 80
"""Lines a summary draws at most: those of the opened team's services first, then the busiest."""

Unit = tuple[str, str]
"""What a summary draws: ("team", its name; "" for no team) or ("service", its name)."""


@dataclass(frozen=True, slots=True)
class Group:
    """A team's services drawn as one node, and what they count in the window.

    `calls` and `errors` are the calls into its services (self-calls left out); `failing`,
    `degraded` and `slow` count its services so judged at a glance, `incidents` those an
    incident was open for. `rest` marks the services of the opened team left undrawn.
    """

    team: str
    services: int
    calls: int
    errors: int
    failing: int
    degraded: int
    slow: int
    incidents: int
    traffic: int
    rest: bool = False

    @property
    def unit(self) -> Unit:
        """How links name this group."""
        return ("team", self.team)

    @property
    def unhealthy(self) -> int:
        """Its services failing, degraded, slow or with an incident, counted once each way."""
        return self.failing + self.degraded + self.slow + self.incidents

    @property
    def error_rate(self) -> float:
        """Failed calls into its services per call."""
        return self.errors / self.calls if self.calls else 0.0


@dataclass(frozen=True, slots=True)
class Link:
    """The calls from one drawn unit to another; `stats` when both are services."""

    parent: Unit
    child: Unit
    calls: int
    errors: int
    edges: int
    stats: EdgeStats | None = None


@dataclass(frozen=True, slots=True)
class TeamSummary:
    """What a summary draws, and how much it left out."""

    groups: tuple[Group, ...]
    services: tuple[Node, ...]
    links: tuple[Link, ...]
    opened: str | None
    teams: int
    """Teams on the map (no team counts as one)."""
    teams_left_out: int
    services_left_out: int
    links_left_out: int


def summarise(
    graph: ServiceGraph,
    names: Collection[str],
    team_of: Callable[[str], str | None],
    health: Mapping[str, Glance],
    alerting: Collection[str] = (),
    *,
    opened: str | None = None,
    group_budget: int = GROUP_BUDGET,
    service_budget: int = SERVICE_BUDGET,
    link_budget: int = LINK_BUDGET,
) -> TeamSummary:
    """The map among `names` with each team as one node, `opened` drawn as its services.

    `team_of` names a service's team (None for none), `health` is each service's glance
    and `alerting` the services an incident was open for. Teams are drawn unhealthy
    first, then busiest (calls in and out of their services); the opened team's services
    busiest first, the rest of them kept as one node.
    """
    inside = {name for name in names if graph.has(name)}
    team = {name: team_of(name) or "" for name in inside}
    traffic = _traffic(graph, inside)
    members: defaultdict[str, list[str]] = defaultdict(list)
    for name in sorted(inside):
        members[team[name]].append(name)
    if opened is not None and opened not in members:
        opened = None
    shown: list[str] = []
    if opened is not None:
        ranked = sorted(members[opened], key=lambda name: (-traffic[name], name))
        shown = ranked[: max(0, service_budget)]
    unit = {name: ("team", team[name]) for name in inside}
    unit.update((name, ("service", name)) for name in shown)
    drawn_names = set(shown)
    alert = set(alerting)
    groups = {}
    for found, inside_of in members.items():
        undrawn = [name for name in inside_of if name not in drawn_names]
        if undrawn:
            groups[found] = _group(found, undrawn, traffic, health, alert, rest=found == opened)
    links = _links(graph, inside, unit)
    chosen = _choose_groups(groups, links, opened, max(0, group_budget))
    kept_units = {group.unit for group in chosen} | {("service", name) for name in shown}
    among = [link for link in links if link.parent in kept_units and link.child in kept_units]
    drawn_links = _choose_links(among, drawn_names, max(0, link_budget))
    chosen_teams = {group.team for group in chosen}
    left_out = [group for team, group in groups.items() if team not in chosen_teams]
    return TeamSummary(
        groups=tuple(chosen),
        services=tuple(graph.node(name) for name in shown),
        links=tuple(drawn_links),
        opened=opened,
        teams=len(members),
        teams_left_out=len(left_out),
        services_left_out=sum(group.services for group in left_out),
        links_left_out=len(links) - len(drawn_links),
    )


def _traffic(graph: ServiceGraph, inside: set[str]) -> dict[str, int]:
    """Calls into and out of each name, counting only edges among `inside`."""
    traffic = dict.fromkeys(inside, 0)
    for parent in inside:
        for child, stats in graph.succ[parent].items():
            if child in inside:
                traffic[parent] += stats.calls
                if child != parent:
                    traffic[child] += stats.calls
    return traffic


def _group(
    team: str,
    names: list[str],
    traffic: Mapping[str, int],
    health: Mapping[str, Glance],
    alerting: set[str],
    *,
    rest: bool,
) -> Group:
    calls = errors = failing = degraded = slow = 0
    for name in names:
        found = health.get(name)
        if found is None:
            continue
        calls += found.calls
        errors += round(found.error_rate * found.calls)
        failing += found.errors == "failing"
        degraded += found.errors == "degraded"
        slow += found.slow
    return Group(
        team=team,
        services=len(names),
        calls=calls,
        errors=errors,
        failing=failing,
        degraded=degraded,
        slow=slow,
        incidents=sum(1 for name in names if name in alerting),
        traffic=sum(traffic[name] for name in names),
        rest=rest,
    )


def _links(graph: ServiceGraph, inside: set[str], unit: Mapping[str, Unit]) -> list[Link]:
    """The calls between units, summed; calls within one team's node are left out."""
    summed: dict[tuple[Unit, Unit], list[int]] = {}
    single: dict[tuple[Unit, Unit], EdgeStats] = {}
    for parent in inside:
        here = unit[parent]
        for child, stats in graph.succ[parent].items():
            if child not in inside:
                continue
            there = unit[child]
            if here == there and here[0] == "team":
                continue
            key = (here, there)
            if here[0] == "service" and there[0] == "service":
                single[key] = stats
                continue
            counts = summed.get(key)
            if counts is None:
                summed[key] = [stats.calls, stats.errors, 1]
            else:
                counts[0] += stats.calls
                counts[1] += stats.errors
                counts[2] += 1
    found = [
        Link(parent=p, child=c, calls=s.calls, errors=s.errors, edges=1, stats=s)
        for (p, c), s in single.items()
    ]
    found.extend(
        Link(parent=p, child=c, calls=calls, errors=errors, edges=edges)
        for (p, c), [calls, errors, edges] in summed.items()
    )
    return found


def _choose_groups(
    groups: Mapping[str, Group], links: list[Link], opened: str | None, budget: int
) -> list[Group]:
    """The groups to draw, in order: the opened team's rest, those it calls most, the others.

    The others, and all of them with no team opened: the unhealthy first, then the busiest.
    """
    near: defaultdict[str, int] = defaultdict(int)
    if opened is not None:
        for link in links:
            ends = (link.parent, link.child)
            if any(kind == "service" for kind, _ in ends):
                for kind, name in ends:
                    if kind == "team":
                        near[name] += link.calls
    ordered = sorted(
        groups.values(),
        key=lambda group: (
            not group.rest,
            -near[group.team],
            group.unhealthy == 0,
            -group.traffic,
            group.team,
        ),
    )
    return ordered[:budget]


def _choose_links(links: list[Link], opened: set[str], budget: int) -> list[Link]:
    """The lines to draw: each drawn node's busiest first, so none is left unconnected.

    Then those of the opened team's services, then the busiest.
    """
    links = sorted(
        links, key=lambda link: (not _touches(link, opened), -link.calls, link.parent, link.child)
    )
    ties: list[Link] = []
    tied: set[Unit] = set()
    for link in sorted(links, key=lambda link: (-link.calls, link.parent, link.child)):
        if link.parent not in tied or link.child not in tied:
            ties.append(link)
            tied.update((link.parent, link.child))
    taken = {id(link) for link in ties}
    return (ties + [link for link in links if id(link) not in taken])[:budget]


def _touches(link: Link, services: set[str]) -> bool:
    return any(kind == "service" and name in services for kind, name in (link.parent, link.child))
