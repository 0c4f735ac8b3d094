"""The picture around a focus on a large map, reading only the focus's neighbourhood.

`select(graph, focus)` walks everything connected to the focus to order it, and counts
what it left out over all of it: on a map of thousands of services, most of a web view's
answer. The same selection is found by walking outwards only until the budget is met:
the nearest nodes are all found by then, each with the busiest edge reaching it. What is
left out is counted from figures worked out once per map (its connected parts, their
nodes and edges, and every node's traffic), kept in the map's memo.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from topology.graph import ServiceGraph
from topology.picture.select import BIGGEST, EDGE_BUDGET, NODE_BUDGET, Omitted, Selection, select

MEMO_KEY = "picture-parts"
_MAKING = threading.Lock()


@dataclass(frozen=True, slots=True)
class Parts:
    """A map's connected parts (edges taken either way) and its nodes by traffic."""

    part: dict[str, int]
    """Each node's part."""
    nodes: list[int]
    """Nodes in each part."""
    edges: list[int]
    """Edges in each part (self-calls too)."""
    busiest: tuple[str, ...]
    """Every node, the busiest first (calls in and out; a self-call once), then by name."""


def nearby(
    graph: ServiceGraph,
    focus: str,
    *,
    node_budget: int = NODE_BUDGET,
    edge_budget: int = EDGE_BUDGET,
    biggest: int = BIGGEST,
) -> Selection:
    """What `select(graph, focus)` picks (everything connected counts), walking only near it."""
    focus = graph.resolve(focus)
    budget = max(1, node_budget)
    seen = {focus}
    layer = [focus]
    while layer and len(seen) < budget:
        # Every node one step further, found from the whole layer: with it, the busiest
        # edge reaching each of them from the layer is known.
        further: list[str] = []
        for name in layer:
            for other in (*graph.succ[name], *graph.pred[name]):
                if other not in seen:
                    seen.add(other)
                    further.append(other)
        layer = further
    chosen = select(
        graph,
        focus,
        interest=seen,
        node_budget=node_budget,
        edge_budget=edge_budget,
        biggest=0,
    )
    parts = parts_of(graph)
    part = parts.part[focus]
    kept = {node.name for node in chosen.nodes}
    left_out: list[str] = []
    if biggest > 0 and parts.nodes[part] > len(kept):
        for name in parts.busiest:
            if parts.part[name] == part and name not in kept:
                left_out.append(name)
                if len(left_out) == biggest:
                    break
    omitted = Omitted(
        parts.nodes[part] - len(kept), parts.edges[part] - len(chosen.edges), tuple(left_out)
    )
    return Selection(chosen.focus, chosen.nodes, chosen.edges, omitted)


def parts_of(graph: ServiceGraph) -> Parts:
    """`graph`'s parts, worked out on first need and kept in its memo."""
    found = graph.index.memo.get(MEMO_KEY)
    if isinstance(found, Parts):
        return found
    with _MAKING:
        found = graph.index.memo.get(MEMO_KEY)
        if not isinstance(found, Parts):
            found = _parts(graph)
            graph.index.memo[MEMO_KEY] = found
    return found


def _parts(graph: ServiceGraph) -> Parts:
    part: dict[str, int] = {}
    nodes: list[int] = []
    for start in graph.names():
        if start in part:
            continue
        number = len(nodes)
        part[start] = number
        stack = [start]
        count = 0
        while stack:
            name = stack.pop()
            count += 1
            for other in (*graph.succ[name], *graph.pred[name]):
                if other not in part:
                    part[other] = number
                    stack.append(other)
        nodes.append(count)
    edges = [0] * len(nodes)
    traffic = dict.fromkeys(graph.names(), 0)
    for stats in graph.edges():
        edges[part[stats.parent]] += 1
        traffic[stats.parent] += stats.calls
        if stats.child != stats.parent:
            traffic[stats.child] += stats.calls
    busiest = tuple(sorted(traffic, key=lambda name: (-traffic[name], name)))
    return Parts(part, nodes, edges, busiest)
