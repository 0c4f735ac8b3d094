"""How much of each caller's traffic ends up at some services, following the calls.

share(target) = 1, and for an upstream service U,
share(U) = min(1, sum over U's callees C (U itself left out) of w(U -> C) * share(C)),
where w(U -> C) is the calls U makes to C per request U serves (or, when U's served
requests are unknown, the part of U's outgoing calls that go to C), and callees that
cannot reach a target count 0. So a share estimates the part of U's requests whose
handling reaches a target. Services are settled callees first, one
strongly connected part at a time: outside cycles at once, within a cycle by climbing from
zero with Gauss-Seidel rounds, so that even when a large cycle keeps its shares from settling
within the rounds allowed, each is a lower bound of its true value.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from operator import mul

from topology.graph import CallIndex, ServiceGraph
from topology.queries.fixed_point import climb

TOLERANCE = 1e-6
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


def _shares(index: CallIndex, targets: list[int], hops: dict[int, int]) -> list[float]:
    """Shares by node number; nodes neither upstream nor targets keep 0."""
    share = [0.0] * len(index.names)
    for target in targets:
        share[target] = 1.0
    callees, weights = index.callees, index.weights
    for part in index.parts:  # callees first, so each part finds what it calls settled
        if len(part) == 1:
            [node] = part
            if node in hops:
                share[node] = min(
                    1.0, sum(map(mul, weights[node], map(share.__getitem__, callees[node])))
                )
            continue
        # A cycle less the targets may fall apart, but climbing it as one block still
        # reaches the same least fixed point.
        members = [node for node in part if node in hops]
        if members:
            # Nearest the targets first, so one round carries a change all the way up.
            members.sort(key=hops.__getitem__)
            _settle(members, index, share)
    return share


def _settle(cycle: list[int], index: CallIndex, share: list[float]) -> None:
    """Climb to the shares of the services of one cycle, all it calls outside being settled."""
    rows = [(node, index.callees[node], index.weights[node]) for node in cycle]

    def sweep(values: list[float]) -> list[float]:
        """One Gauss-Seidel round from `values`."""
        for node, value in zip(cycle, values, strict=True):
            share[node] = value
        for node, callees, weights in rows:
            share[node] = min(1.0, sum(map(mul, weights, map(share.__getitem__, callees))))
        return [share[node] for node in cycle]

    final = climb(sweep, len(cycle), tolerance=TOLERANCE, max_rounds=MAX_ROUNDS)
    for node, value in zip(cycle, final, strict=True):
        share[node] = value
