"""Times as JSON numbers or strings of digits: whole numbers within 64 bits, or refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.parsing.decoding import TIME_LIMIT, BadValueError, TimeRangeError, time_number

digit_strings = st.one_of(
    st.integers(min_value=0, max_value=2**66).map(str),
    st.integers(min_value=0, max_value=2**66).map(lambda n: f"{n:025d}"),  # leading zeros
    st.integers(min_value=-(2**66), max_value=-1).map(str),
    st.sampled_from(["", "-", " 1", "1 ", "1.5", "1e9", "+7", "١٢٣", "²"]),
)


@given(digit_strings, st.booleans())
def test_a_string_is_its_whole_number_when_within_64_bits_and_signed_as_allowed(text, signed):
    digits = text.removeprefix("-") if signed else text
    if not (digits.isascii() and digits.isdigit()):
        expected: object = BadValueError
    elif len(digits) > len(str(TIME_LIMIT)) or not -TIME_LIMIT < int(text) < TIME_LIMIT:
        expected = TimeRangeError
    elif int(text) < 0 and not signed:
        expected = BadValueError
    else:
        expected = int(text)

    try:
        found: object = time_number(text, "t", "ns", signed=signed)
    except TimeRangeError:
        found = TimeRangeError
    except BadValueError:
        found = BadValueError

    assert found == expected


@pytest.mark.parametrize("text", ["9" * 19, str(TIME_LIMIT - 1), "0" * 19 + "5"])
def test_the_largest_times_and_leading_zeros_are_read(text):
    assert time_number(text, "t", "ns", signed=False) == int(text)


def test_a_time_of_2_to_the_64_is_out_of_range():
    with pytest.raises(TimeRangeError):
        time_number(str(TIME_LIMIT), "t", "ns", signed=False)
