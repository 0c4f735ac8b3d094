"""Breadth-first walks over the callers of a graph by node number, plain or compiled."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from topology.graph import CallIndex

if TYPE_CHECKING:
    import scipy.sparse

COMPILED_FROM = 1_000
"""From this many nodes a walk from one service runs in scipy's compiled breadth-first
search; below it, loading scipy would cost a one-off question more than it saves."""

CALLERS_KEY = "walk.callers"
"""The key of the callers' sparse matrix in a `CallIndex.memo`."""


def upstream(index: CallIndex, targets: list[int], closed: set[int]) -> dict[int, int]:
    """Hops from each transitive caller of `targets` to the nearest, never entering `closed`.

    In the order a breadth-first walk finds them, each node's callers in number order.
    """
    if len(index.names) >= COMPILED_FROM and len(targets) == 1 and closed == set(targets):
        return upstream_compiled(index, targets[0])
    return upstream_plainly(index, targets, closed)


def upstream_plainly(index: CallIndex, targets: list[int], closed: set[int]) -> dict[int, int]:
    """`upstream`, one frontier at a time."""
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


def upstream_compiled(index: CallIndex, target: int) -> dict[int, int]:
    """`upstream` of one target, walked by scipy; the hops follow from each node's finder."""
    import numpy  # noqa: PLC0415 - loaded with scipy, on large maps only
    from scipy.sparse.csgraph import breadth_first_order  # noqa: PLC0415 - large maps only

    order, finder = breadth_first_order(
        callers_matrix(index), target, directed=True, return_predecessors=True
    )
    found = order[1:]  # the target comes first
    if not len(found):
        return {}
    # Hops by pointer doubling: `hops[n]` counts the steps from n to `above[n]`, an
    # ancestor on its way to the target, and each round doubles the steps.
    above = finder.astype(numpy.intp)
    above[above < 0] = target  # the target, and the nodes not found
    hops = numpy.ones(len(above), dtype=numpy.intp)
    hops[target] = 0
    while bool((above[found] != target).any()):
        hops += hops[above]
        above = above[above]
    return dict(zip(found.tolist(), hops[found].tolist(), strict=True))


def prepare(index: CallIndex) -> None:
    """Make what compiled walks of `index` need now, if they are to be compiled."""
    if len(index.names) >= COMPILED_FROM:
        import scipy.sparse.csgraph  # noqa: F401, PLC0415 - loaded now, not by a question

        callers_matrix(index)


def callers_matrix(index: CallIndex) -> scipy.sparse.csr_array:
    """Node n's callers as row n of a sparse matrix, made once per graph on first need."""
    found = index.memo.get(CALLERS_KEY)
    if found is None:
        found = index.memo.setdefault(CALLERS_KEY, _callers_matrix(index))
    return cast("scipy.sparse.csr_array", found)


def _callers_matrix(index: CallIndex) -> scipy.sparse.csr_array:
    import numpy  # noqa: PLC0415 - large maps only
    from scipy.sparse import csr_array  # noqa: PLC0415 - large maps only

    size = len(index.callers)
    starts = numpy.zeros(size + 1, dtype=numpy.int32)
    numpy.cumsum([len(callers) for callers in index.callers], out=starts[1:])
    callers = numpy.fromiter(
        (caller for row in index.callers for caller in row), dtype=numpy.int32, count=starts[-1]
    )
    ones = numpy.ones(len(callers), dtype=numpy.float64)
    return csr_array((ones, callers, starts), shape=(size, size))
