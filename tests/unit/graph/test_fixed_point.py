import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.ownership import Catalog
from topology.queries.blast import blast_radius
from topology.queries.fixed_point import climb, invert_m_matrix

from .factories import graph_of


def test_a_slow_linear_iteration_reaches_its_fixed_point_in_a_few_rounds():
    # Plain iteration of x -> 0.999 x + 0.001 from 0 needs about 20,000 rounds to get
    # within 1e-9 of 1.
    result = climb(
        lambda x: [0.999 * x[0] + 0.001, 0.5 * x[1] + 0.25],
        2,
        tolerance=1e-12,
        max_rounds=30,
    )

    assert result == [pytest.approx(1.0, abs=1e-9), pytest.approx(0.5, abs=1e-9)]


def test_a_jump_that_would_overshoot_the_fixed_point_is_not_kept():
    # The change shrinks by 0.9 a round until x reaches 0.5, then stops dead: a jump
    # along the shrinking would land above 0.5.
    seen = []

    def step(x):
        seen.append(x[0])
        return [min(0.5, 0.9 * x[0] + 0.1)]

    result = climb(step, 1, tolerance=1e-12, max_rounds=50)

    assert result == [0.5]
    assert max(seen) > 0.5
    assert len(seen) < 50


def test_the_round_limit_ends_the_climb_below_the_fixed_point():
    calls = []

    def step(x):
        calls.append(x)
        return [0.5 * x[0] + 0.5 * x[1], 0.5 * x[0] + 0.4 * x[1] + 0.01]

    result = climb(step, 2, tolerance=0.0, max_rounds=7)

    assert len(calls) == 7
    assert result[0] <= 0.1 + 1e-12
    assert result[1] <= 0.1 + 1e-12


def test_the_climb_goes_on_while_values_still_leave_zero():
    # Each round wakes the next value with a change far below the tolerance.
    def step(x):
        return [1e-15, *(1e-3 * value for value in x[:-1])]

    result = climb(step, 4, tolerance=1e-9, max_rounds=50)

    assert all(value > 0.0 for value in result)


def test_an_empty_problem_is_solved_at_once():
    assert climb(lambda x: x, 0, tolerance=1e-9, max_rounds=5) == []


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


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda size: st.lists(
            st.lists(st.floats(min_value=0.0, max_value=0.6), min_size=size, max_size=size),
            min_size=size,
            max_size=size,
        )
    )
)
def test_the_m_matrix_inverse_is_the_inverse_when_nonnegative_else_none(weights):
    size = len(weights)
    a = numpy.array(weights)
    numpy.fill_diagonal(a, 0.0)
    matrix = numpy.identity(size) - a
    spectral_radius = max(abs(numpy.linalg.eigvals(a)))

    inverse = invert_m_matrix(matrix.copy())

    if spectral_radius < 0.99:
        assert inverse is not None
        assert numpy.allclose(inverse @ matrix, numpy.identity(size), atol=1e-6)
        assert (inverse >= 0.0).all()
    if spectral_radius > 1.01:
        assert inverse is None


def test_a_cycle_that_keeps_all_its_traffic_has_no_inverse():
    assert invert_m_matrix(numpy.array([[1.0, -1.0], [-1.0, 1.0]])) is None
