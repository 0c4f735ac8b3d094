from bot.render.templating import columns, render, table


def test_tables_align_text_left_and_numbers_right():
    text = table([["cart", 5], ["payment", 1_234]], ["service", "calls"])
    assert text.splitlines() == [
        "service  calls",
        "-------  -----",
        "cart         5",
        "payment  1,234",
    ]


def test_missing_values_show_as_a_dash():
    assert table([["a", None]], ["x", "y"]).splitlines()[-1] == "a  -"


def test_columns_follow_dotted_keys_and_formats():
    rows = columns(
        [{"name": "a", "edge": {"error_rate": 0.25, "p95_ms": 12.345}}],
        "name",
        "edge.error_rate:percent",
        "edge.p95_ms:ms",
        "edge.calls",
    )
    assert rows == [["a", "25.0%", 12.3, None]]


def test_newlines_in_untrusted_names_do_not_break_the_table():
    assert len(table([["evil\nname", 1]], ["service", "calls"]).splitlines()) == 3


def test_the_blast_template_says_when_nothing_is_hit():
    text = render(
        "cli/blast.txt.j2",
        {
            "service": "cart",
            "owner": None,
            "upstream": [],
            "teams": [],
            "window_text": {"window": "everything stored"},
        },
    )
    assert "Nothing calls cart" in text
