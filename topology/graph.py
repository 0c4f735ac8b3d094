"""The service map as a directed graph: who calls whom, with the numbers of each edge."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from topology.cycles import callee_first_parts
from topology.errors import UnknownServiceError
from topology.gcpause import paused_gc
from topology.model import NodeKind
from topology.stats import EdgeStats, Node

Adjacency = Mapping[str, Mapping[str, EdgeStats]]
"""The edges by one end then the other, each to its numbers; read it, never change it."""

CLOSE_MATCHES = 3
"""How many similar names, and how many names containing the query, a miss suggests."""


@dataclass(frozen=True, slots=True)
class CallIndex:
    """The nodes and calls of a graph by number (in name order), for whole-graph walks.

    Self-loops are left out. `weights[n][k]` is how many calls node n makes to
    `callees[n][k]` per request it serves, when its served requests are known; otherwise
    the part of its outgoing calls that go there. A node whose edges count no calls
    splits evenly.
    """

    names: tuple[str, ...]
    ids: dict[str, int]
    nodes: tuple[Node, ...]
    callees: tuple[tuple[int, ...], ...]
    weights: tuple[tuple[float, ...], ...]
    callers: tuple[tuple[int, ...], ...]
    out_calls: tuple[int, ...]
    parts: tuple[tuple[int, ...], ...]
    """The strongly connected parts, each listed after every part it calls into."""
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    """What queries work out once per graph, on first need (such as how to solve cycles)."""

    @classmethod
    def of(
        cls, nodes: Mapping[str, Node], succ: Adjacency, requests: Mapping[str, int]
    ) -> CallIndex:
        """Index the graph of `nodes` whose calls are `succ`, each serving `requests`."""
        names = tuple(sorted(nodes))
        ids = {name: number for number, name in enumerate(names)}
        callees: list[list[int]] = [[] for _ in names]
        calls: list[list[int]] = [[] for _ in names]
        callers: list[list[int]] = [[] for _ in names]
        for parent in names:
            for child, stats in succ[parent].items():
                if parent != child:
                    callees[ids[parent]].append(ids[child])
                    calls[ids[parent]].append(stats.calls)
                    callers[ids[child]].append(ids[parent])
        totals = tuple(map(sum, calls))
        per = [requests.get(name, 0) or total for name, total in zip(names, totals, strict=True)]
        return cls(
            names,
            ids,
            tuple(nodes[name] for name in names),
            tuple(map(tuple, callees)),
            tuple(_split(counts, served) for counts, served in zip(calls, per, strict=True)),
            tuple(map(tuple, callers)),
            totals,
            callee_first_parts(callees),
        )


class ServiceGraph:
    """A call graph, not to be changed once built: edge A -> B means A calls B.

    Made by `build`, from the nodes by name, `succ` with an entry (maybe empty) for each
    node, and the requests each served.
    """

    __slots__ = ("_folded", "_index", "_pred", "_succ")

    def __init__(
        self, nodes: Mapping[str, Node], succ: Adjacency, requests: Mapping[str, int]
    ) -> None:
        pred: dict[str, dict[str, EdgeStats]] = {name: {} for name in nodes}
        for parent, called in succ.items():
            for child, stats in called.items():
                pred[child][parent] = stats
        self._succ = succ
        self._pred: Adjacency = pred
        self._index = CallIndex.of(nodes, succ, requests)
        folded: defaultdict[str, list[str]] = defaultdict(list)
        for name in self._index.names:
            folded[name.casefold()].append(name)
        self._folded = dict(folded)

    @classmethod
    def build(
        cls,
        edges: Iterable[EdgeStats],
        nodes: Iterable[Node] = (),
        requests: Mapping[str, int] | None = None,
    ) -> ServiceGraph:
        """Build the graph of `edges`; names seen only in edges become virtual nodes.

        `requests` are the requests each service served in the same window (its server
        and consumer spans), which let shares be told per request.
        """
        with paused_gc():  # a large map makes hundreds of thousands of objects, no cycles
            served = requests or {}
            merged = _merge(edges)
            given = {node.name: node for node in nodes}
            child_kinds: dict[str, NodeKind] = {}
            names = set(given)
            for parent, child in merged:
                names.update((parent, child))
            for stats in merged.values():
                if stats.child_kind is not None:
                    child_kinds.setdefault(stats.child, stats.child_kind)
            ordered = sorted(names)
            succ: dict[str, dict[str, EdgeStats]] = {name: {} for name in ordered}
            for (parent, child), stats in sorted(merged.items()):
                succ[parent][child] = stats
            by_name = {name: given.get(name) or _virtual(name, child_kinds) for name in ordered}
            return cls(by_name, succ, served)

    @property
    def index(self) -> CallIndex:
        """The calls by node number."""
        return self._index

    @property
    def succ(self) -> Adjacency:
        """`succ[a][b]`: the numbers of the edge a -> b, for each `b` that `a` calls."""
        return self._succ

    @property
    def pred(self) -> Adjacency:
        """`pred[b][a]`: the numbers of the edge a -> b, for each `a` that calls `b`."""
        return self._pred

    def __len__(self) -> int:
        return len(self._index.names)

    def names(self) -> tuple[str, ...]:
        """Every node name, sorted."""
        return self._index.names

    def has(self, name: str) -> bool:
        """Whether `name` is exactly the name of a node."""
        return name in self._index.ids

    def node(self, name: str) -> Node:
        """The node called `name`."""
        self._require(name)
        return self._index.nodes[self._index.ids[name]]

    def edge(self, parent: str, child: str) -> EdgeStats | None:
        """The statistics of `parent -> child`, or None when there is no such edge."""
        return self._succ.get(parent, {}).get(child)

    def edges(self) -> Iterator[EdgeStats]:
        """Every edge's statistics, by parent then child."""
        for name in self._index.names:
            yield from self._succ[name].values()

    def callers(self, name: str) -> tuple[str, ...]:
        """Who calls `name` directly, sorted; a self-loop does not count."""
        self._require(name)
        return tuple(sorted(parent for parent in self._pred[name] if parent != name))

    def callees(self, name: str) -> tuple[str, ...]:
        """What `name` calls directly, sorted; a self-loop does not count."""
        self._require(name)
        return tuple(sorted(child for child in self._succ[name] if child != name))

    def out_calls(self, name: str) -> int:
        """Calls `name` makes to others (its self-loop left out)."""
        self._require(name)
        return self._index.out_calls[self._index.ids[name]]

    def resolve(self, name: str) -> str:
        """The node `name` means: exact, else the only case-insensitive match."""
        if name in self._index.ids:
            return name
        matches = self._folded.get(name.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        raise UnknownServiceError(name, matches or self._suggest(name))

    def _require(self, name: str) -> None:
        if name not in self._index.ids:
            raise UnknownServiceError(name, self._suggest(name))

    def _suggest(self, name: str) -> list[str]:
        query = name.casefold()
        if not query:
            return []
        folded = list(self._folded)
        close = difflib.get_close_matches(query, folded, n=CLOSE_MATCHES, cutoff=0.6)
        containing = [key for key in folded if query in key][:CLOSE_MATCHES]
        suggestions: list[str] = []
        for key in [*close, *containing]:
            suggestions.extend(n for n in self._folded[key] if n not in suggestions)
        return suggestions


def _split(calls: list[int], total: int) -> tuple[float, ...]:
    if total:
        return tuple(count / total for count in calls)
    return tuple(1 / len(calls) for _count in calls)


def _virtual(name: str, child_kinds: dict[str, NodeKind]) -> Node:
    return Node(name, kind=child_kinds.get(name, NodeKind.SERVICE), virtual=True)


def _merge(edges: Iterable[EdgeStats]) -> dict[tuple[str, str], EdgeStats]:
    """Index edges by (parent, child), adding up repeats into a copy, never into the input."""
    merged: dict[tuple[str, str], EdgeStats] = {}
    copied: set[tuple[str, str]] = set()
    for stats in edges:
        key = (stats.parent, stats.child)
        seen = merged.get(key)
        if seen is None:
            merged[key] = stats
            continue
        if key not in copied:
            copy = EdgeStats(stats.parent, stats.child)
            copy.merge(seen)
            merged[key] = seen = copy
            copied.add(key)
        seen.merge(stats)
    return merged
