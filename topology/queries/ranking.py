"""The callers of a blast radius in order: hardest hit first, then nearest, then by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, cast

from topology.graph import CallIndex
from topology.model import NodeKind

if TYPE_CHECKING:
    import numpy
    import numpy.typing

IN_ARRAYS_FROM = 512
"""From this many callers the order is worked out in numpy arrays; below it, loading numpy
would cost a one-off question more than it saves."""

COLUMNS_KEY = "ranking.columns"
"""The key of the nodes' names, kinds and virtual flags as arrays in a `CallIndex.memo`."""


@dataclass(frozen=True, slots=True)
class Ranked:
    """What an answer lists of each caller, in its order, and the callers' names in theirs."""

    names: list[str]
    hops: list[int]
    shares: list[float]
    kinds: list[NodeKind]
    virtual: list[bool]
    by_name: list[str]


def rank(index: CallIndex, hops: Mapping[int, int], share: Sequence[float]) -> Ranked:
    """The nodes of `hops` by decreasing share, then increasing hops, then name."""
    if len(hops) < IN_ARRAYS_FROM:
        return rank_plainly(index, hops, share)
    return rank_in_arrays(index, hops, share)


def rank_plainly(index: CallIndex, hops: Mapping[int, int], share: Sequence[float]) -> Ranked:
    """`rank` by stable sorts on each key, the last first (numbers are in name order)."""
    by_number = sorted(hops)
    order = sorted(by_number, key=hops.__getitem__)
    order.sort(key=share.__getitem__, reverse=True)
    nodes = list(map(index.nodes.__getitem__, order))
    return Ranked(
        names=list(map(index.names.__getitem__, order)),
        hops=list(map(hops.__getitem__, order)),
        shares=list(map(share.__getitem__, order)),
        kinds=list(map(_KIND, nodes)),
        virtual=list(map(_VIRTUAL, nodes)),
        by_name=list(map(index.names.__getitem__, by_number)),
    )


def rank_in_arrays(index: CallIndex, hops: Mapping[int, int], share: Sequence[float]) -> Ranked:
    """`rank` by two sorts of numpy arrays: the same order, node numbers being unique."""
    import numpy  # noqa: PLC0415 - only large answers load it

    count = len(hops)
    nodes = numpy.fromiter(hops.keys(), dtype=numpy.intp, count=count)
    hop_counts = numpy.fromiter(hops.values(), dtype=numpy.intp, count=count)
    shares = numpy.fromiter(map(share.__getitem__, hops), dtype=numpy.float64, count=count)
    # Nearest then by number (one key, no two alike), then a stable sort by share, highest
    # first: negating a share is exact.
    near = numpy.argsort(hop_counts * len(index.names) + nodes)
    order = near[numpy.argsort(-shares[near], kind="stable")]
    ranked = nodes[order]
    names, kinds, virtual = _columns(index)
    return Ranked(
        names=names[ranked].tolist(),
        hops=hop_counts[order].tolist(),
        shares=shares[order].tolist(),
        kinds=kinds[ranked].tolist(),
        virtual=virtual[ranked].tolist(),
        by_name=names[numpy.sort(nodes)].tolist(),
    )


Columns = tuple[
    "numpy.typing.NDArray[numpy.object_]",
    "numpy.typing.NDArray[numpy.object_]",
    "numpy.typing.NDArray[numpy.bool_]",
]


def _columns(index: CallIndex) -> Columns:
    """The names, kinds and virtual flags of the nodes by number, made once per graph."""
    found = index.memo.get(COLUMNS_KEY)
    if found is None:
        import numpy  # noqa: PLC0415 - only large answers load it

        names = numpy.empty(len(index.names), dtype=object)
        names[:] = index.names
        kinds = numpy.empty(len(index.nodes), dtype=object)
        kinds[:] = [node.kind for node in index.nodes]
        virtual = numpy.fromiter(map(_VIRTUAL, index.nodes), dtype=bool, count=len(index.nodes))
        found = index.memo.setdefault(COLUMNS_KEY, (names, kinds, virtual))
    return cast("Columns", found)


_KIND = attrgetter("kind")
_VIRTUAL = attrgetter("virtual")
