import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.signals.header import split_header


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("<NUM> INFO p.c.PriceController#<NUM> query", ("INFO", "p.c.PriceController#<NUM> query")),
        ("<NUM>-<NUM>-<NUM>T10:03:57Z [warn] retrying", ("WARN", "retrying")),
        ("<NUM> <NUM> ERROR x", ("ERROR", "x")),
        ("2023-01-29 10:03:20,976 SEVERE  a  b", ("SEVERE", "a  b")),
        ("[<ID>] critical: disk full", None),  # an id is no time
        ("Error in checkout", None),
        ("ERROR connection refused", None),
        ("<NUM> users online", None),
        ("<NUM> INFO", None),
        ("<NUM> cart INFO x", None),
        ("", None),
    ],
)
def test_only_a_time_then_a_level_is_a_header(line, found):
    assert split_header(line) == found


TOKENS = st.sampled_from(["<NUM>", "12:00:01", "INFO", "[warn]", "x", "Error:", "a.b#<NUM>"])


@given(
    st.lists(st.one_of(TOKENS, st.text(min_size=1).filter(lambda t: t.split() == [t])), max_size=8)
)
def test_what_follows_a_header_is_the_rest_of_a_single_spaced_line(tokens):
    line = " ".join(tokens)
    found = split_header(line)

    if found is not None:
        level, rest = found
        assert rest
        assert line.endswith(" " + rest)
        assert level in line.upper()
