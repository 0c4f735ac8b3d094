from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.queries.blast import blast_radius
from topology.queries.deps import Dependency, Direction, dependencies
from topology.queries.numbers import EdgeNumbers
from topology.queries.path import paths
from topology.queries.simulate import simulate_down
from topology.stats import Node

from .factories import counted_calls, stats

NOBODY = Catalog()


@st.composite
def call_graphs(draw, max_nodes=8):
    names, edges = draw(counted_calls(max_nodes, per_node=3, most_calls=100))
    built = [stats(names[parent], names[child], calls) for parent, child, calls in edges]
    return ServiceGraph.build(built, [Node(name) for name in names])


def networkx_of(graph):
    """The same map as a networkx DiGraph: networkx's algorithms are the oracle."""
    digraph = nx.DiGraph()
    digraph.add_nodes_from(graph.names())
    digraph.add_edges_from((stats.parent, stats.child) for stats in graph.edges())
    return digraph


@st.composite
def graphs_and_service(draw):
    graph = draw(call_graphs())
    return graph, draw(st.sampled_from(graph.names()))


def exact_shares(graph, failed):
    """Solve the share equations over fractions, by Gaussian elimination."""
    upstream = sorted(nx.ancestors(networkx_of(graph), failed))
    position = {name: number for number, name in enumerate(upstream)}
    rows = []
    for name in upstream:
        row = [Fraction(0)] * (len(upstream) + 1)
        row[position[name]] = Fraction(1)
        total = graph.out_calls(name)
        for child in graph.callees(name):
            weight = Fraction(graph.edge(name, child).calls, total)
            if child == failed:
                row[-1] += weight
            elif child in position:
                row[position[child]] -= weight
        rows.append(row)
    for column in range(len(rows)):
        pivot = next(row for row in range(column, len(rows)) if rows[row][column] != 0)
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in range(len(rows)):
            if row != column and rows[row][column] != 0:
                factor = rows[row][column] / rows[column][column]
                rows[row] = [a - factor * b for a, b in zip(rows[row], rows[column], strict=True)]
    return {
        name: rows[position[name]][-1] / rows[position[name]][position[name]] for name in upstream
    }


@settings(max_examples=300, deadline=None)
@given(graphs_and_service())
def test_every_blast_share_is_positive_and_at_most_one(case):
    graph, failed = case

    for entry in blast_radius(graph, failed, NOBODY).upstream:
        assert 0.0 < entry.share <= 1.0 + 1e-12
        if graph.callees(entry.name) == (failed,):
            assert entry.share == 1.0


@settings(max_examples=300, deadline=None)
@given(graphs_and_service())
def test_blast_shares_are_the_exact_solution_of_the_share_equations_from_below(case):
    graph, failed = case

    result = blast_radius(graph, failed, NOBODY)

    expected = exact_shares(graph, failed)
    # Shares are shown to 0.1%; the solver stops when a round moves none by over 1e-6,
    # which leaves slowly settling cycles within 1e-4 of the exact value.
    assert {entry.name: entry.share for entry in result.upstream} == {
        name: pytest.approx(float(share), abs=1e-4) for name, share in expected.items()
    }
    for entry in result.upstream:
        assert entry.share <= float(expected[entry.name]) + 1e-12


@settings(max_examples=300, deadline=None)
@given(graphs_and_service())
def test_blast_radius_is_exactly_the_transitive_callers_with_their_distance(case):
    graph, failed = case

    result = blast_radius(graph, failed, NOBODY)

    reversed_graph = networkx_of(graph).reverse()
    distances = nx.single_source_shortest_path_length(reversed_graph, failed)
    assert {entry.name: entry.hops for entry in result.upstream} == {
        name: hops for name, hops in distances.items() if name != failed
    }


@settings(max_examples=300, deadline=None)
@given(graphs_and_service())
def test_downstream_is_what_has_a_path_from_the_service_at_its_shortest_distance(case):
    graph, service = case

    found = {
        entry.name: entry.hops
        for entry in dependencies(graph, service, direction=Direction.DOWN).downstream
    }

    oracle = networkx_of(graph)
    for other in graph.names():
        if other == service:
            assert other not in found
        elif nx.has_path(oracle, service, other):
            assert found[other] == nx.shortest_path_length(oracle, service, other)
        else:
            assert other not in found


@settings(max_examples=300, deadline=None)
@given(graphs_and_service(), st.integers(min_value=1, max_value=3))
def test_via_is_a_neighbour_one_hop_closer_and_depth_cuts_the_walk(case, depth):
    graph, service = case

    result = dependencies(graph, service, direction=Direction.DOWN, depth=depth)

    hops = {entry.name: entry.hops for entry in result.downstream}
    for entry in result.downstream:
        assert entry.hops <= depth
        assert graph.edge(entry.via, entry.name) is not None
        assert hops.get(entry.via, 0) == entry.hops - 1


@settings(max_examples=200, deadline=None)
@given(call_graphs())
def test_upstream_and_downstream_mirror_each_other(graph):
    down = {
        name: {e.name for e in dependencies(graph, name, direction=Direction.DOWN).downstream}
        for name in graph.names()
    }
    up = {
        name: {e.name for e in dependencies(graph, name, direction=Direction.UP).upstream}
        for name in graph.names()
    }

    for caller in graph.names():
        for callee in graph.names():
            assert (callee in down[caller]) == (caller in up[callee])


@settings(max_examples=300, deadline=None)
@given(call_graphs(), st.data())
def test_paths_are_distinct_shortest_call_paths(graph, data):
    a, b = data.draw(st.lists(st.sampled_from(graph.names()), min_size=2, max_size=2, unique=True))

    result = paths(graph, a, b, limit=3)

    oracle = networkx_of(graph)
    forward = nx.has_path(oracle, a, b)
    backward = nx.has_path(oracle, b, a)
    assert result.found == (forward or backward)
    assert result.reversed == (not forward and backward)
    start, end = (b, a) if result.reversed else (a, b)
    shortest = nx.shortest_path_length(oracle, start, end) if result.found else 0
    services = [path.services for path in result.paths]
    assert len(set(services)) == len(services)
    for path in result.paths:
        assert (path.services[0], path.services[-1]) == (start, end)
        assert len(path.hops) == shortest
        for hop in path.hops:
            assert graph.edge(hop.parent, hop.child).calls == hop.edge.calls


@settings(max_examples=200, deadline=None)
@given(graphs_and_service())
def test_simulating_one_service_down_agrees_with_its_blast_radius(case):
    graph, service = case

    simulated = simulate_down(graph, [service], NOBODY)
    blast = blast_radius(graph, service, NOBODY)

    assert {(i.name, i.hops) for i in simulated.affected} == {
        (e.name, e.hops) for e in blast.upstream
    }
    assert {i.name: i.share for i in simulated.affected} == {
        e.name: pytest.approx(e.share) for e in blast.upstream
    }


@st.composite
def owned_graphs_and_service(draw, max_nodes=10):
    """A map with self-loops and cycles, some services known only from edges, some owned."""
    count = draw(st.integers(min_value=2, max_value=max_nodes))
    names = [f"s{number}" for number in range(count)]
    node = st.integers(min_value=0, max_value=count - 1)
    edges = draw(
        st.lists(
            st.tuples(node, node, st.integers(min_value=0, max_value=100)),
            max_size=3 * count,
            unique_by=lambda edge: edge[:2],
        )
    )
    given_nodes = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    graph = ServiceGraph.build(
        [stats(names[parent], names[child], calls) for parent, child, calls in edges],
        [Node(name) for name in given_nodes],
    )
    owned = draw(st.lists(st.sampled_from(graph.names()), unique=True))
    catalog = Catalog({name: f"team-{len(name) % 2}" for name in owned})
    return graph, draw(st.sampled_from(graph.names())), catalog


def networkx_dependencies(graph, service, *, down, depth, catalog):
    """The entries `dependencies` gives one way, worked out on networkx's DiGraph."""
    oracle = networkx_of(graph) if down else networkx_of(graph).reverse()
    distance = nx.single_source_shortest_path_length(oracle, service, cutoff=depth)
    entries = []
    for name in sorted(distance, key=lambda other: (distance[other], other)):
        hops = distance[name]
        if name == service:
            continue
        edge = None
        if hops == 1:
            found = graph.edge(service, name) if down else graph.edge(name, service)
            edge = EdgeNumbers.of(found)
        node = graph.node(name)
        entries.append(
            Dependency(
                name=name,
                hops=hops,
                via=min(p for p in oracle.predecessors(name) if distance.get(p) == hops - 1),
                kind=node.kind,
                virtual=node.virtual,
                owner=catalog.owners.get(name),
                edge=edge,
            )
        )
    return tuple(entries)


@settings(max_examples=400, deadline=None)
@given(owned_graphs_and_service(), st.sampled_from([None, 1, 2, 3]))
def test_dependencies_are_exactly_what_networkx_finds_either_way(case, depth):
    graph, service, catalog = case

    result = dependencies(graph, service, direction=Direction.BOTH, depth=depth, catalog=catalog)

    assert result.downstream == networkx_dependencies(
        graph, service, down=True, depth=depth, catalog=catalog
    )
    assert result.upstream == networkx_dependencies(
        graph, service, down=False, depth=depth, catalog=catalog
    )
    loop = graph.edge(service, service)
    assert result.self_calls == (EdgeNumbers.of(loop) if loop is not None else None)
