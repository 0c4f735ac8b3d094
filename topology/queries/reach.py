"""How much of each caller's traffic ends up at some services, following call proportions.

share(target) = 1, and for an upstream service U,
share(U) = sum over U's callees C (U itself left out) of calls(U -> C) / out_calls(U) * share(C),
where callees that cannot reach a target count 0. The shares are climbed to from zero by
Gauss-Seidel rounds (callees before their callers, so that without cycles one round settles
them), so that even when a large cycle keeps them from settling within the rounds allowed,
each is a lower bound of its true value.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from operator import mul

from topology.graph import CallIndex, ServiceGraph
from topology.queries.fixed_point import climb

TOLERANCE = 1e-9
"""The shares are final when no round changes any of them by more than this."""

MAX_ROUNDS = 200
"""The shares are final after this many rounds in any case."""

@dataclass(frozen=True, slots=True)
class Reach:
    """The transitive callers of some targets: hops to the nearest, and their shares."""

    hops: dict[str, int]
    shares: dict[str, float]


def reach(graph: ServiceGraph, targets: Collection[str]) -> Reach:
    """Every transitive caller of `targets` (targets left out) with its hops and share."""
    index = graph.index
    target_ids = [index.ids[name] for name in targets]
    hops = _upstream(index, target_ids, set(target_ids))
    share = _shares(index, target_ids, hops)
    names = index.names
    return Reach(
        {names[node]: count for node, count in hops.items()},
        {names[node]: share[node] for node in hops},
    )


def upstream_hops(
    graph: ServiceGraph, targets: Collection[str], *, avoid: Collection[str] = ()
) -> dict[str, int]:
    """Hops from each transitive caller of `targets` to the nearest one, not through `avoid`."""
    index = graph.index
    target_ids = [index.ids[name] for name in targets]
    closed = {*target_ids, *(index.ids[name] for name in avoid)}
    found = _upstream(index, target_ids, closed)
    return {index.names[node]: count for node, count in found.items()}


def _upstream(index: CallIndex, targets: list[int], closed: set[int]) -> dict[int, int]:
    """Breadth-first over callers from `targets`, never entering `closed`."""
    callers = index.callers
    hops: dict[int, int] = {}
    frontier = list(dict.fromkeys(targets))
    level = 0
    while frontier:
        level += 1
        found = []
        for child in frontier:
            for parent in callers[child]:
                if parent not in hops and parent not in closed:
                    hops[parent] = level
                    found.append(parent)
        frontier = found
    return hops


def _shares(index: CallIndex, targets: list[int], upstream: Collection[int]) -> list[float]:
    """Shares by node number; nodes neither upstream nor targets keep 0."""
    share = [0.0] * len(index.names)
    for target in targets:
        share[target] = 1.0
    order = _postorder(index, upstream)
    rows = [(node, index.callees[node], index.weights[node]) for node in order]

    def sweep(values: list[float]) -> list[float]:
        """One Gauss-Seidel round from `values`."""
        for node, value in zip(order, values, strict=True):
            share[node] = value
        for node, callees, weights in rows:
            share[node] = sum(map(mul, weights, map(share.__getitem__, callees)))
        return [share[node] for node in order]

    final = climb(sweep, len(order), tolerance=TOLERANCE, max_rounds=MAX_ROUNDS)
    for node, value in zip(order, final, strict=True):
        share[node] = value
    return share


def _postorder(index: CallIndex, upstream: Collection[int]) -> list[int]:
    """`upstream` in depth-first postorder over callees: callees first, but for cycles."""
    inside = set(upstream)
    done: set[int] = set()
    order: list[int] = []
    for root in upstream:
        if root in done:
            continue
        done.add(root)
        stack = [(root, iter(index.callees[root]))]
        while stack:
            node, pending = stack[-1]
            for callee in pending:
                if callee in inside and callee not in done:
                    done.add(callee)
                    stack.append((callee, iter(index.callees[callee])))
                    break
            else:
                stack.pop()
                order.append(node)
    return order
