import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.signals.severity import LEVELS, normalised


@pytest.mark.parametrize(
    ("number", "text", "level"),
    [
        (1, None, "TRACE"),
        (4, None, "TRACE"),
        (5, "whatever", "DEBUG"),
        (9, None, "INFO"),
        (13, None, "WARN"),
        (17, "INFO", "ERROR"),
        (24, None, "FATAL"),
        (None, "Information", "INFO"),
        (0, "warning", "WARN"),
        (None, "WARN2", "WARN"),
        (None, "SEVERITY_NUMBER_ERROR", "ERROR"),
        (None, "critical", "FATAL"),
        (None, "severe", "ERROR"),
        (None, "loud", "UNSET"),
        (None, None, "UNSET"),
        (25, None, "UNSET"),
        (-3, "", "UNSET"),
    ],
)
def test_severity_numbers_win_over_texts_and_unknown_ones_are_unset(number, text, level):
    assert normalised(number, text) == level


@given(st.one_of(st.none(), st.integers()), st.one_of(st.none(), st.text()))
def test_every_severity_normalises_to_one_of_the_levels(number, text):
    assert normalised(number, text) in LEVELS
