import pytest

from topology.ownership import Catalog
from topology.queries.blast import blast_radius
from topology.queries.fixed_point import fixed_point

from .factories import graph_of


def test_a_slow_linear_iteration_reaches_its_fixed_point_in_a_few_rounds():
    # Plain iteration of x -> 0.999 x + 0.001 needs about 20,000 rounds to get within 1e-9.
    result = fixed_point(
        lambda x: [0.999 * x[0] + 0.001, 0.5 * x[1]], [0.0, 1.0],
        tolerance=1e-12, max_rounds=10,
    )

    assert result == [pytest.approx(1.0, abs=1e-9), pytest.approx(0.0, abs=1e-9)]


def test_values_are_kept_within_bounds():
    result = fixed_point(lambda x: [min(2.0, x[0] + 0.5)], [0.0], tolerance=1e-9, max_rounds=3)

    assert 0.0 <= result[0] <= 1.0


def test_the_round_limit_ends_the_iteration():
    calls = []

    def step(x):
        calls.append(x)
        return [0.9999 * x[0] + 0.0001 + 0.001 * (len(calls) % 2)]

    fixed_point(step, [0.0], tolerance=0.0, max_rounds=7)

    assert len(calls) == 7


def test_an_empty_problem_is_solved_at_once():
    assert fixed_point(lambda x: x, [], tolerance=1e-9, max_rounds=5) == []


def test_traffic_circling_a_long_cycle_before_leaving_gets_its_exact_share():
    # Each of 20 services passes 999 calls in 1000 on round the ring and leaks 1; r0 sends
    # that one call to the failed service instead. share(r0) = q / (1 - p^n), and
    # share(r_i) = p^(n-i) share(r0), with p = 0.999, q = 0.001, n = 20.
    size, p, q = 20, 0.999, 0.001
    edges = []
    for number in range(size):
        edges.append((f"r{number}", f"r{(number + 1) % size}", 999))
        edges.append((f"r{number}", "failed" if number == 0 else f"sink{number}", 1))

    result = blast_radius(graph_of(*edges), "failed", Catalog())

    first = q / (1 - p**size)
    expected = {"r0": first} | {f"r{i}": p ** (size - i) * first for i in range(1, size)}
    assert {entry.name: entry.share for entry in result.upstream} == {
        name: pytest.approx(share, rel=1e-7) for name, share in expected.items()
    }
