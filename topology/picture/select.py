"""Choosing what a picture draws: the focus and the busiest nodes and edges nearest it."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.stats import EdgeStats, Node

NODE_BUDGET = 60
"""Nodes a picture draws at most by default: Graphviz `dot` lays out 50 in about 0.2 s."""

EDGE_BUDGET = 120
"""Edges a picture draws at most by default."""

BIGGEST = 5
"""How many of the busiest left-out names a note lists."""

_FAR = 1 << 30


@dataclass(frozen=True, slots=True)
class Omitted:
    """What a selection left out: counts, and the busiest left-out names first."""

    nodes: int = 0
    edges: int = 0
    biggest: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes or self.edges)


@dataclass(frozen=True, slots=True)
class Selection:
    """The nodes and edges to draw, the focus first, and what was left out."""

    focus: str
    nodes: tuple[Node, ...]
    edges: tuple[EdgeStats, ...]
    omitted: Omitted


def select(
    graph: ServiceGraph,
    focus: str,
    *,
    interest: Collection[str] | None = None,
    node_budget: int = NODE_BUDGET,
    edge_budget: int = EDGE_BUDGET,
    biggest: int = BIGGEST,
) -> Selection:
    """Pick at most `node_budget` nodes and `edge_budget` edges around `focus`.

    The candidates are `interest` (names of a query's answer) with the focus, or, when
    `interest` is None, everything connected to the focus. Nearer nodes come first, and
    among equally near ones those reached by the busiest edge. Edges that connect the
    kept nodes to the focus come first, then the busiest others.
    """
    focus = graph.resolve(focus)
    if interest is None:
        wanted = None
    else:
        wanted = {name for name in interest if graph.has(name)}
        wanted.add(focus)
    distance, reached_by = _walk(graph, focus, wanted)
    candidates = set(distance) if wanted is None else wanted
    traffic = _traffic(graph, candidates)
    order = sorted(
        candidates,
        key=lambda name: (distance.get(name, _FAR), -reached_by.get(name, 0), name != focus, name),
    )
    kept = order[: max(1, node_budget)]
    chosen = _edges(graph, kept, distance, max(0, edge_budget))
    kept_set = set(kept)
    left_out = sorted(candidates - kept_set, key=lambda name: (-traffic[name], name))
    all_edges = sum(1 for _ in _edges_among(graph, candidates))
    return Selection(
        focus,
        tuple(graph.node(name) for name in kept),
        tuple(chosen),
        Omitted(len(left_out), all_edges - len(chosen), tuple(left_out[:biggest])),
    )


def overview(
    graph: ServiceGraph,
    names: Collection[str],
    *,
    node_budget: int = NODE_BUDGET,
    edge_budget: int = EDGE_BUDGET,
) -> Selection | None:
    """The whole map among `names`, walked from its busiest node; None when none is on it."""
    inside = {name for name in names if graph.has(name)}
    if not inside:
        return None
    traffic = _traffic(graph, inside)
    start = min(inside, key=lambda name: (-traffic[name], name))
    return select(graph, start, interest=inside, node_budget=node_budget, edge_budget=edge_budget)


def _neighbours(graph: ServiceGraph, name: str) -> Iterable[tuple[str, EdgeStats]]:
    """Who `name` calls and who calls it, with the edge between them."""
    yield from graph.succ[name].items()
    yield from graph.pred[name].items()


def _walk(
    graph: ServiceGraph, focus: str, wanted: set[str] | None
) -> tuple[dict[str, int], dict[str, int]]:
    """Hops from the focus along edges either way, inside `wanted`.

    Also the calls of the busiest edge reaching each node from one a hop nearer.
    """
    distance = {focus: 0}
    reached_by: dict[str, int] = {focus: 0}
    queue = deque([focus])
    while queue:
        name = queue.popleft()
        here = distance[name]
        for other, stats in _neighbours(graph, name):
            if wanted is not None and other not in wanted:
                continue
            seen = distance.get(other)
            if seen is None:
                distance[other] = here + 1
                reached_by[other] = stats.calls
                queue.append(other)
            elif seen == here + 1 and stats.calls > reached_by[other]:
                reached_by[other] = stats.calls
    return distance, reached_by


def _traffic(graph: ServiceGraph, names: set[str]) -> dict[str, int]:
    """Calls into and out of each name, counting only edges among `names`."""
    traffic = dict.fromkeys(names, 0)
    for stats in _edges_among(graph, names):
        traffic[stats.parent] += stats.calls
        if stats.child != stats.parent:
            traffic[stats.child] += stats.calls
    return traffic


def _edges_among(graph: ServiceGraph, names: Collection[str]) -> Iterable[EdgeStats]:
    """Every edge with both ends in `names`."""
    inside = names if isinstance(names, set | frozenset) else set(names)
    for name in inside:
        for other, stats in graph.succ[name].items():
            if other in inside:
                yield stats


def _edges(
    graph: ServiceGraph, kept: list[str], distance: dict[str, int], budget: int
) -> list[EdgeStats]:
    """Up to `budget` edges among `kept`, the busiest first.

    One edge per node tying it to a nearer node comes before the rest, so that the
    picture stays connected.
    """
    inside = set(kept)
    among = sorted(_edges_among(graph, inside), key=lambda e: (-e.calls, e.parent, e.child))
    ties: list[EdgeStats] = []
    tied: set[str] = set()
    for stats in among:
        for near, far in ((stats.parent, stats.child), (stats.child, stats.parent)):
            if far not in tied and distance.get(near, _FAR) + 1 == distance.get(far, -1):
                ties.append(stats)
                tied.add(far)
                break
    taken = {id(stats) for stats in ties}
    rest = [stats for stats in among if id(stats) not in taken]
    return (ties + rest)[:budget]
