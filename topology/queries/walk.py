"""Breadth-first walks over the callers of a graph by node number."""

from __future__ import annotations

from topology.graph import CallIndex


def upstream(index: CallIndex, targets: list[int], closed: set[int]) -> dict[int, int]:
    """Hops from each transitive caller of `targets` to the nearest, never entering `closed`.

    In the order a breadth-first walk finds them, each node's callers in number order: one
    frontier at a time, over the lists of callers the graph's index holds. On the bench's
    5,000-service map, scipy's compiled walk saved about half a millisecond of a blast
    radius's 8 at the 99th percentile, and cost each answer worker about 60 MB, so the
    walk stays plain.
    """
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
