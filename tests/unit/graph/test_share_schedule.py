"""Shares settled over the per-graph schedule are exactly those of a plain walk of the parts."""

from operator import mul

from hypothesis import given, settings
from hypothesis import strategies as st

from topology.graph import ServiceGraph
from topology.queries import reach as reach_module
from topology.queries.cycle_shares import Cycle, settle, solve
from topology.queries.reach import prepare, reach_by_number
from topology.stats import Node

from .factories import counted_calls, stats


@st.composite
def graphs(draw, max_nodes=14):
    names, edges = draw(counted_calls(max_nodes))
    built = [stats(names[parent], names[child], calls) for parent, child, calls in edges]
    served = draw(st.dictionaries(st.sampled_from(names), st.integers(1, 20)))
    return ServiceGraph.build(built, [Node(name) for name in names[::2]], served)


def plain_shares(index, targets, hops):
    """Each part in callee-first order, a node alone by min() over its callees one by one."""
    share = [0.0] * len(index.names)
    for target in targets:
        share[target] = 1.0
    for part in index.parts:
        if len(part) == 1:
            [node] = part
            if node in hops:
                callees = map(share.__getitem__, index.callees[node])
                share[node] = min(1.0, sum(map(mul, index.weights[node], callees)))
            continue
        members = [node for node in part if node in hops]
        if not members:
            continue
        cycle = Cycle.of(part, index)
        if cycle is None or not solve(cycle, members, set(targets), share):
            members.sort(key=hops.__getitem__)
            settle(members, index, share)
    return share


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_the_scheduled_shares_are_exactly_the_plain_ones(graph, data):
    index = graph.index
    targets = data.draw(st.lists(st.integers(0, len(index.names) - 1), min_size=1, unique=True))
    prepare(graph)

    hops, share = reach_by_number(index, targets)

    assert list(share) == plain_shares(index, targets, hops)
    assert isinstance(share, tuple)


def test_nodes_calling_nobody_are_left_out_of_the_schedule():
    graph = ServiceGraph.build([stats("a", "b"), stats("b", "c")])
    ids = graph.index.ids

    scheduled = [row[0] for rows, _cycle in reach_module._schedule(graph.index) for row in rows]

    assert scheduled == [ids["b"], ids["a"]]
