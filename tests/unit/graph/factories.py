"""Small hand-built graphs for the graph and query tests."""

from __future__ import annotations

from collections.abc import Iterable

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
