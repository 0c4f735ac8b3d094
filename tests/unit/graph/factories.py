"""Small hand-built graphs for the graph and query tests."""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog, Team
from topology.stats import EdgeStats, Node


def stats(
    parent: str,
    child: str,
    calls: int = 10,
    *,
    errors: int = 0,
    latencies_ms: Iterable[float] = (),
    kind: NodeKind | None = None,
) -> EdgeStats:
    edge = EdgeStats(parent, child, calls=calls, errors=errors, child_kind=kind)
    for latency in latencies_ms:
        edge.latency.add(latency)
    return edge


def graph_of(*edges: tuple[str, str] | tuple[str, str, int], nodes: Iterable[Node] = ()):
    """A graph from (parent, child) or (parent, child, calls) tuples; nodes default to real."""
    built = [stats(*edge) for edge in edges]
    names = {name for edge in edges for name in edge[:2]}
    given = {node.name: node for node in nodes}
    return ServiceGraph.build(built, [given.get(name, Node(name)) for name in sorted(names)])


def catalog(
    owners: dict[str, str],
    channels: dict[str, str] | None = None,
    keys: dict[str, str] | None = None,
) -> Catalog:
    channels, keys = channels or {}, keys or {}
    teams = {team: Team(team, channels.get(team), keys.get(team)) for team in set(owners.values())}
    return Catalog(owners=owners, teams=teams)


@st.composite
def counted_calls(
    draw: st.DrawFn,
    max_nodes: int,
    *,
    min_nodes: int = 2,
    min_edges: int = 0,
    per_node: int = 4,
    most_calls: int = 9,
) -> tuple[list[str], list[tuple[int, int, int]]]:
    """Names s00, s01 ... and calls (caller, callee, count) between them by number.

    Any caller may call any callee once, itself included: cycles, self-loops and fan-in;
    at most `per_node` calls a node, each of 1 to `most_calls`.
    """
    count = draw(st.integers(min_value=min_nodes, max_value=max_nodes))
    names = [f"s{number:02d}" for number in range(count)]
    node = st.integers(min_value=0, max_value=count - 1)
    edges = draw(
        st.lists(
            st.tuples(node, node, st.integers(min_value=1, max_value=most_calls)),
            min_size=min_edges,
            max_size=per_node * count,
            unique_by=lambda edge: edge[:2],
        )
    )
    return names, edges
