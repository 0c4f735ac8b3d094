"""How much of each caller's traffic ends up at some services, following call proportions.

share(target) = 1, and for an upstream service U,
share(U) = sum over U's callees C (U itself left out) of calls(U -> C) / out_calls(U) * share(C),
where callees that cannot reach a target count 0. Cycles are solved by iterating to the
fixed point, one strongly connected component at a time, callees' components first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from operator import mul

from topology.graph import ServiceGraph

TOLERANCE = 1e-9
"""A cycle's shares are final when no round changes any of them by more than this."""

MAX_ROUNDS = 200
"""A cycle's shares are final after this many rounds in any case."""


@dataclass(frozen=True, slots=True)
class Reach:
    """The transitive callers of some targets: hops to the nearest, and their shares."""

    hops: dict[str, int]
    shares: dict[str, float]


def reach(graph: ServiceGraph, targets: Collection[str]) -> Reach:
    """Every transitive caller of `targets` (targets left out) with its hops and share."""
    hops = upstream_hops(graph, targets)
    return Reach(hops, _shares(graph, frozenset(targets), list(hops)))


def upstream_hops(
    graph: ServiceGraph, targets: Collection[str], *, avoid: Collection[str] = ()
) -> dict[str, int]:
    """Hops from each transitive caller of `targets` to the nearest one, not through `avoid`."""
    pred = graph.digraph.pred
    closed = set(targets) | set(avoid)
    hops: dict[str, int] = {}
    frontier = list(dict.fromkeys(targets))
    level = 0
    while frontier:
        level += 1
        found = []
        for child in frontier:
            for parent in pred[child]:
                if parent not in hops and parent not in closed:
                    hops[parent] = level
                    found.append(parent)
        frontier = found
    return hops


def _shares(graph: ServiceGraph, targets: frozenset[str], upstream: list[str]) -> dict[str, float]:
    index = {name: position for position, name in enumerate(upstream)}
    direct = [0.0] * len(upstream)
    links: list[list[tuple[int, float]]] = [[] for _ in upstream]
    succ = graph.digraph.succ
    for position, name in enumerate(upstream):
        callees = [(child, attrs["stats"].calls) for child, attrs in succ[name].items()]
        callees = [(child, calls) for child, calls in callees if child != name]
        total = sum(calls for _child, calls in callees)
        for child, calls in callees:
            # With no calls counted at all, every callee weighs the same.
            weight = calls / total if total else 1 / len(callees)
            if child in targets:
                direct[position] += weight
            elif (other := index.get(child)) is not None:
                links[position].append((other, weight))
    share = [0.0] * len(upstream)
    for component in _components(links):
        _solve(component, direct, links, share)
    return dict(zip(upstream, share, strict=True))


def _solve(
    component: list[int], direct: list[float], links: list[list[tuple[int, float]]],
    share: list[float],
) -> None:
    """Settle the shares of one component, whose callees outside it are settled."""
    if len(component) == 1:
        [node] = component
        share[node] = direct[node] + sum(weight * share[other] for other, weight in links[node])
        return
    members = set(component)
    settled: list[float] = []
    inner: list[tuple[list[int], list[float]]] = []
    leak = 0.0
    for node in component:
        outside = [(other, weight) for other, weight in links[node] if other not in members]
        ends = [other for other, _weight in links[node] if other in members]
        weights = [weight for other, weight in links[node] if other in members]
        settled.append(direct[node] + sum(weight * share[other] for other, weight in outside))
        inner.append((ends, weights))
        leak += 1.0 - sum(weights)
    for _round in range(MAX_ROUNDS):
        change = 0.0
        for node, base, (ends, weights) in zip(component, settled, inner, strict=True):
            value = base + sum(map(mul, weights, map(share.__getitem__, ends)))
            change = max(change, abs(value - share[node]))
            share[node] = value
        # Gauss-Seidel alone crawls when calls circle a large cycle for long before leaving
        # it; the slow part of the error is then nearly even over the cycle, so move every
        # share by the mean residual per unit of traffic leaving the cycle.
        residual = sum(
            base + sum(map(mul, weights, map(share.__getitem__, ends))) - share[node]
            for node, base, (ends, weights) in zip(component, settled, inner, strict=True)
        )
        shift = residual / leak if leak > 0 else 0.0
        for node in component:
            share[node] = min(1.0, max(0.0, share[node] + shift))
        if max(change, abs(shift)) < TOLERANCE:
            return


def _components(links: list[list[tuple[int, float]]]) -> Iterator[list[int]]:
    """Strongly connected components (Tarjan), each after every component it calls into."""
    counter = 0
    order: list[int | None] = [None] * len(links)
    low = [0] * len(links)
    on_stack = [False] * len(links)
    stack: list[int] = []
    for root in range(len(links)):
        if order[root] is not None:
            continue
        work = [(root, 0)]
        while work:
            node, next_link = work.pop()
            if next_link == 0:
                order[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            descended = False
            for position in range(next_link, len(links[node])):
                other = links[node][position][0]
                seen = order[other]
                if seen is None:
                    work.append((node, position + 1))
                    work.append((other, 0))
                    descended = True
                    break
                if on_stack[other]:
                    low[node] = min(low[node], seen)
            if descended:
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                yield component
