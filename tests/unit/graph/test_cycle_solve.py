"""A cycle's linear solution is kept only when one round of its share equations proves it."""

from dataclasses import replace

import numpy
import pytest

from topology.graph import ServiceGraph
from topology.queries.cycle_shares import Cycle, solve

from .factories import stats


def cycle_calling_a_database() -> tuple[ServiceGraph, Cycle, list[int], int]:
    """api and worker call each other; both call db, which fails; api calls a cache too."""
    graph = ServiceGraph.build(
        [
            stats("api", "cache", 10),
            stats("api", "worker", 5),
            stats("worker", "api", 1),
            stats("api", "db", 5),
            stats("worker", "db", 3),
        ]
    )
    index = graph.index
    ids = index.ids
    [part] = [part for part in index.parts if len(part) > 1]
    cycle = Cycle.of(part, index)
    assert cycle is not None
    return graph, cycle, [ids["api"], ids["worker"]], ids["db"]


def test_the_linear_solution_passes_and_lies_at_the_fixed_point():
    graph, cycle, members, db = cycle_calling_a_database()
    share = [0.0] * len(graph.index.names)
    share[db] = 1.0

    assert solve(cycle, members, {db}, share)

    api, worker = members
    # api: a quarter of its calls to worker, a quarter to db, half to the cache; worker: a
    # quarter to api, the rest to db. So api = 7/15 and worker = 13/15, from below.
    assert share[api] == pytest.approx(7 / 15, abs=1e-9)
    assert share[worker] == pytest.approx(13 / 15, abs=1e-9)
    assert share[api] <= 7 / 15 + 1e-12
    assert share[worker] <= 13 / 15 + 1e-12


def test_a_start_above_the_fixed_point_is_refused_and_leaves_the_members_to_a_climb():
    graph, cycle, members, db = cycle_calling_a_database()
    share = [0.0] * len(graph.index.names)
    share[db] = 1.0
    # Shaved upward instead of down: the checking round lowers the start, so it is refused.
    raised = replace(cycle, shave=numpy.full(len(cycle.nodes), -0.01))

    assert not solve(raised, members, {db}, share)


def test_a_solution_that_is_not_a_number_is_refused():
    graph, cycle, members, db = cycle_calling_a_database()
    share = [0.0] * len(graph.index.names)
    share[db] = float("nan")

    assert not solve(cycle, members, set(), share)
