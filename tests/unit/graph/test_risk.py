import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.model import NodeKind
from topology.ownership import Catalog
from topology.queries.blast import blast_radius
from topology.queries.diff import diff
from topology.queries.reach import reach_by_number
from topology.queries.risk import (
    NO_CHANNEL,
    NO_OWNER,
    NO_ROUTING_KEY,
    RiskLimits,
    edges_new_since,
    entry_traffic,
    share_bounds,
    weak_points,
)
from topology.stats import Node

from .factories import catalog, graph_of, stats

NOBODY = Catalog()


def test_an_entry_share_is_blast_share_of_the_one_entry():
    graph = graph_of(("web", "api", 80), ("web", "static", 20), ("api", "db", 40))
    served = {"web": 100}

    found = weak_points(graph, NOBODY, served, limits=RiskLimits(min_share=0.01))

    shares = {point.name: point.share for point in found.single_points}
    web_share = {entry.name: entry.share for entry in blast_radius(graph, "db", NOBODY).upstream}
    assert shares["db"] == pytest.approx(web_share["web"])
    assert shares["web"] == 1.0
    assert [point.name for point in found.single_points][:2] == ["web", "api"]
    assert (found.entries, found.entry_requests) == (1, 100.0)


def test_entries_weigh_by_the_requests_they_served():
    graph = graph_of(("shop", "cart", 10), ("batch", "report", 10))

    found = weak_points(graph, NOBODY, {"shop": 100, "batch": 300})

    assert [(p.name, p.share) for p in found.single_points] == [("batch", 0.75), ("report", 0.75)]


def test_an_entry_without_served_requests_counts_the_calls_it_made():
    graph = graph_of(("cron", "db", 30), ("web", "api", 10))

    traffic = dict(entry_traffic(graph, {"web": 10}))

    index = graph.index
    assert traffic == {index.ids["cron"]: 30.0, index.ids["web"]: 10.0}


def test_a_map_without_entries_has_no_single_point_of_failure():
    graph = graph_of(("a", "b"), ("b", "a"))

    found = weak_points(graph, NOBODY, {})

    assert (found.entries, found.single_points, found.unchecked) == (0, (), 0)
    assert [cycle.services for cycle in found.cycles] == [("a", "b")]


def test_owners_that_cannot_be_paged_or_told_are_named_with_what_is_missing():
    graph = graph_of(("web", "api"), ("api", "db"), ("api", "auth"))
    owners = catalog(
        {"web": "front", "api": "core", "auth": "identity"},
        channels={"front": "#front", "identity": "#id"},
        keys={"core": "key-core", "identity": "key-id"},
    )

    found = weak_points(graph, owners, {"web": 10}, limits=RiskLimits(min_share=0.5))

    gaps = {gap.name: gap.problems for gap in found.owner_gaps}
    assert gaps == {"web": (NO_ROUTING_KEY,), "api": (NO_CHANNEL,), "db": (NO_OWNER,)}


def test_new_edges_touching_a_single_point_of_failure_are_on_the_critical_path():
    before = graph_of(("web", "api"), ("web", "blog"), ("blog", "cms"))
    after = graph_of(
        ("web", "api", 90), ("web", "blog", 10), ("api", "flags", 5), ("blog", "cms"), ("blog", "x")
    )

    found = weak_points(after, NOBODY, {"web": 100}, new_edges=diff(before, after).new_edges)

    assert [(d.parent, d.child, d.critical) for d in found.new_dependencies] == [
        ("api", "flags", ("api", "flags"))
    ]
    assert found.other_new_edges == 1


def test_cycles_are_listed_largest_first_with_a_count_of_the_rest():
    graph = graph_of(
        ("a", "b"), ("b", "a"), ("c", "d"), ("d", "e"), ("e", "c"), ("f", "g"), ("g", "f")
    )

    found = weak_points(graph, NOBODY, {}, limits=RiskLimits(limit=2))

    assert [cycle.services for cycle in found.cycles] == [("c", "d", "e"), ("a", "b")]
    assert found.more_cycles == 1


def test_a_fan_in_hotspot_has_many_callers_and_a_large_share():
    callers = [f"svc-{n}" for n in range(6)]
    edges = [("web", name, 10) for name in callers] + [(name, "db", 10) for name in callers]
    edges += [(name, "cache", 10) for name in callers[:2]]
    graph = graph_of(*edges)

    found = weak_points(graph, NOBODY, {"web": 60})

    assert [(spot.name, spot.callers) for spot in found.hotspots] == [("db", 6)]
    assert found.hotspots[0].share == pytest.approx(5 / 6)  # two callers send half elsewhere


def test_virtual_nodes_can_be_single_points_of_failure():
    graph = graph_of(("web", "postgres"), nodes=[Node("postgres", NodeKind.DATABASE, virtual=True)])

    [postgres, _web] = weak_points(graph, NOBODY, {"web": 5}).single_points  # ties by name

    assert (postgres.name, postgres.kind, postgres.virtual) == ("postgres", NodeKind.DATABASE, True)


@pytest.mark.parametrize("limits", [RiskLimits(min_share=0.0), RiskLimits(limit=0)])
def test_bad_limits_are_refused(limits):
    with pytest.raises(ValueError, match="must be"):
        weak_points(graph_of(("a", "b")), NOBODY, {}, limits=limits)


def _random_graph(seed: int) -> tuple[ServiceGraph, dict[str, int]]:
    rng = random.Random(seed)  # noqa: S311 - random graphs, not secrets
    size = rng.randrange(3, 25)
    names = [f"n{i:02d}" for i in range(size)]
    edges = set()
    for _ in range(rng.randrange(size, 4 * size)):
        parent, child = rng.sample(names, 2)
        if rng.random() < 0.8 and parent > child:  # mostly downward, some cycles
            parent, child = child, parent
        edges.add((parent, child))
    built = [stats(parent, child, rng.randrange(1, 50)) for parent, child in sorted(edges)]
    served = {name: rng.randrange(0, 200) for name in names if rng.random() < 0.7}
    nodes = [Node(name) for name in names]
    return ServiceGraph.build(built, nodes, served), served


def _exact(graph: ServiceGraph, served: dict[str, int]) -> dict[str, float]:
    index = graph.index
    entries = entry_traffic(graph, served)
    found = {}
    for number, name in enumerate(index.names):
        _hops, share = reach_by_number(index, [number])
        found[name] = sum(requests * share[entry] for entry, requests in entries)
    return found


@pytest.mark.parametrize("seed", range(40))
def test_bounds_never_fall_below_the_exact_shares(seed):
    graph, served = _random_graph(seed)
    exact = _exact(graph, served)

    bounds = share_bounds(graph.index, entry_traffic(graph, served))

    for number, name in enumerate(graph.index.names):
        assert bounds[number] >= exact[name] * (1 - 1e-9) - 1e-9, name


@pytest.mark.parametrize("seed", range(40))
def test_the_points_shown_are_the_largest_shares_as_checking_every_node_finds(seed):
    graph, served = _random_graph(seed)
    exact = _exact(graph, served)
    total = sum(requests for _entry, requests in entry_traffic(graph, served))
    limits = RiskLimits(min_share=0.2, limit=3)

    found = weak_points(graph, NOBODY, served, limits=limits)

    expected = sorted(
        (share / total for share in exact.values() if total and share >= 0.2 * total),
        reverse=True,
    )
    assert [p.share for p in found.single_points] == pytest.approx(expected[:3])
    assert len(found.single_points) + found.more_single_points <= len(expected)
    assert len(expected) <= len(found.single_points) + found.more_single_points + found.unchecked


EDGES = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.sampled_from("abcdefg"), st.integers(1, 50)),
    max_size=20,
)


@given(EDGES, EDGES)
def test_new_edges_from_the_edges_seen_before_are_the_new_edges_of_a_diff(before, after):
    old, new = graph_of(*before), graph_of(*after)
    seen = {(stats.parent, stats.child) for stats in old.edges()}
    assert edges_new_since(new, seen) == diff(old, new).new_edges
