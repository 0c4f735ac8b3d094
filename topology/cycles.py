"""Strongly connected parts of a numbered graph, in the order a bottom-up walk needs."""

from __future__ import annotations

from collections.abc import Sequence


def callee_first_parts(callees: Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    """The strongly connected parts of a graph (Tarjan), each after all it calls into.

    `callees[n]` lists the nodes node n calls, nodes being numbered from 0.
    """
    rank: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    parts: list[tuple[int, ...]] = []
    for root in range(len(callees)):
        if root in rank:
            continue
        rank[root] = low[root] = len(rank)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(callees[root]))]
        while work:
            node, pending = work[-1]
            for callee in pending:
                if callee not in rank:
                    rank[callee] = low[callee] = len(rank)
                    stack.append(callee)
                    on_stack.add(callee)
                    work.append((callee, iter(callees[callee])))
                    break
                if callee in on_stack:
                    low[node] = min(low[node], rank[callee])
            else:
                work.pop()
                if work:
                    caller = work[-1][0]
                    low[caller] = min(low[caller], low[node])
                if low[node] == rank[node]:
                    parts.append(_pop_part(stack, on_stack, node))
    return tuple(parts)


def _pop_part(stack: list[int], on_stack: set[int], root: int) -> tuple[int, ...]:
    part: list[int] = []
    while not part or part[-1] != root:
        member = stack.pop()
        on_stack.discard(member)
        part.append(member)
    return tuple(part)
