"""One node's share equation: the weights of its calls and a reader of its callees' shares.

A row is worked out as `sum(map(mul, weights, read(share)))`, capped at 1: the callees'
shares added in the order of their numbers, exactly as every share question adds them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter

from topology.graph import CallIndex

Reader = Callable[[Sequence[float]], tuple[float, ...]]
"""The values at some places of a sequence, in order."""

Row = tuple[int, tuple[float, ...], Reader]
"""A node, the weights of its calls, and the reader of its callees' shares."""


def row_of(index: CallIndex, node: int) -> Row:
    """The share equation of `node`."""
    return (node, index.weights[node], reader(index.callees[node]))


def reader(places: Sequence[int]) -> Reader:
    """What reads the values at `places` of a sequence, as a tuple."""
    if len(places) > 1:
        return itemgetter(*places)  # in compiled code: a tuple of the values
    if places:
        [place] = places
        return lambda values: (values[place],)  # itemgetter would give the value alone
    return lambda _values: ()
