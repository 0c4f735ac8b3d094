from topology.picture import FALLBACK_HEADERS, Omitted, fallback_rows, omitted_note, select
from topology.picture.labels import p95, rate
from topology.stats import EdgeStats

from .factories import chain, edge


def test_rates_use_the_window_and_round_for_reading():
    assert rate(edge("a", "b", 30), 60) == "0.5/s"
    assert rate(edge("a", "b", 60_000), 60) == "1,000/s"
    assert rate(edge("a", "b", 30), None) == "30 calls"


def test_p95_is_a_dash_when_nothing_was_measured():
    assert p95(EdgeStats("a", "b", 3)) == "-"


def test_nothing_left_out_makes_no_note():
    assert omitted_note(Omitted()) == ""


def test_the_note_counts_and_names_what_was_left_out():
    assert omitted_note(Omitted(1, 0, ("x",))) == "Not drawn: 1 node; busiest left out: x"
    assert omitted_note(Omitted(0, 3)) == "Not drawn: 3 edges"


def test_fallback_rows_list_the_drawn_edges_as_text():
    rows = fallback_rows(select(chain("a", "b", calls=120), "a"), 60)

    assert len(FALLBACK_HEADERS) == 5
    assert rows == [("a", "b", "2.0/s", "0.0%", "24 ms")]
