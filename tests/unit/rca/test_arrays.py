"""Series values as arrays: exactly the numbers, NaN for gaps, None for what is not numbers."""

import math

import numpy
from hypothesis import given
from hypothesis import strategies as st

from topology.rca.arrays import table_of


def test_rows_of_numbers_become_a_writable_table_of_exactly_those_numbers():
    rows = [(1.0, 2.5, 0.1), (3, True, 1e300)]

    table = table_of(rows, 3)

    assert table is not None
    assert table.tolist() == [[1.0, 2.5, 0.1], [3.0, 1.0, 1e300]]
    table[0, 0] = 7.0  # the screens write into their tables
    assert table[0, 0] == 7.0


def test_a_gap_becomes_not_a_number():
    table = table_of([(1.0, None), (None, 2.0)], 2)

    assert table is not None
    assert math.isnan(table[0, 1])
    assert math.isnan(table[1, 0])
    assert table[0, 0] == 1.0


def test_rows_of_another_width_are_no_table():
    assert table_of([(1.0, 2.0), (1.0,)], 2) is None
    assert table_of([(1.0, 2.0)], 3) is None


def test_values_that_are_no_numbers_or_too_large_for_a_double_are_no_table():
    assert table_of([(1.0, "many")], 2) is None
    assert table_of([(1.0, [2.0])], 2) is None
    assert table_of([(1.0, 10**400)], 2) is None
    assert table_of([(1.0, 2.0), (None, "many")], 2) is None  # with a gap too
    assert table_of([(None, 10**400)], 2) is None


def test_no_rows_make_an_empty_table():
    table = table_of([], 4)

    assert table is not None
    assert table.shape == (0, 4)


values = st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-(2**60), 2**60))


@given(
    st.integers(0, 5).flatmap(
        lambda width: st.tuples(st.just(width), st.lists(st.tuples(*[values] * width), max_size=6))
    )
)
def test_the_table_holds_each_value_as_a_double_and_each_gap_as_nan(case):
    width, rows = case

    table = table_of(rows, width)

    assert table is not None
    assert table.shape == (len(rows), width)
    expected = numpy.array(
        [[math.nan if value is None else float(value) for value in row] for row in rows],
        dtype=numpy.float64,
    ).reshape(len(rows), width)
    assert numpy.array_equal(table, expected, equal_nan=True)
