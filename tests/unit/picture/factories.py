"""Graphs for the picture tests."""

from __future__ import annotations

from itertools import pairwise

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.stats import EdgeStats, Node

INJECTIONS = (
    'a"b',
    "x\\ny",
    "x\ny",
    "trailing\\",
    "</table>",
    "<!channel>",
    "}; digraph evil {",
    '"]; n0 -> n1; x ["',
    "<script>alert(1)</script>",
    "&lt;b&gt; & co",
    "a|b{c}<d>",
    "\\N\\G\\L",
    "caf\u00e9 \u6771\u4eac \U0001f680",
    "\u202eevil",
    "tab\there\x00nul",
    "long-" + "x" * 5_000,
)
"""Names that try to break out of a quoted DOT label, or to be read as markup."""


def edge(parent: str, child: str, calls: int = 10, errors: int = 0, **kind: NodeKind) -> EdgeStats:
    stats = EdgeStats(parent, child, calls=calls, errors=errors, child_kind=kind.get("kind"))
    stats.latency.add(12.0)
    return stats


def star(count: int, *, focus: str = "hub") -> ServiceGraph:
    """The focus calling `count` services, service i with i + 1 calls."""
    edges = [edge(focus, f"s{i:03d}", calls=i + 1) for i in range(count)]
    nodes = [Node(focus), *(Node(f"s{i:03d}") for i in range(count))]
    return ServiceGraph.build(edges, nodes)


def chain(*names: str, calls: int = 10) -> ServiceGraph:
    """Each name calling the next."""
    edges = [edge(a, b, calls) for a, b in pairwise(names)]
    return ServiceGraph.build(edges, [Node(name) for name in names])


def injected() -> ServiceGraph:
    """A caller `web` calling a service named by each injection string."""
    edges = [edge("web", name, calls=i + 1) for i, name in enumerate(INJECTIONS)]
    return ServiceGraph.build(edges, [Node("web"), *(Node(name) for name in INJECTIONS)])
