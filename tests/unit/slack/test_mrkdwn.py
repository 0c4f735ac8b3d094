from hypothesis import given
from hypothesis import strategies as st

from bot.render.templating import slack_environment
from bot.slack.mrkdwn import code_block, escape, inline_code, link

HOSTILE = "<!channel> <@U123> <https://evil.example|click> & *bold* ```"


def test_escaping_leaves_no_angle_bracket_to_mention_or_link_with() -> None:
    escaped = escape(HOSTILE)
    assert "<" not in escaped
    assert ">" not in escaped
    assert escaped.startswith("&lt;!channel&gt; &lt;@U123&gt;")
    assert "&amp; \u200b*\u200bbold\u200b*\u200b" in escaped


def test_bold_italic_strike_and_code_marks_in_names_are_set_apart_so_none_formats() -> None:
    escaped = escape("*bold* _italic_ ~strike~ `code`")
    for mark in "*_~`":
        assert f"{mark}" in escaped
        assert escaped.count(f"\u200b{mark}\u200b") == escaped.count(mark) == 2
    assert escaped.replace("\u200b", "") == "*bold* _italic_ ~strike~ `code`"


@given(st.text())
def test_escaped_text_reads_as_written_and_no_mark_touches_other_text(text: str) -> None:
    escaped = escape(text)
    assert escaped.replace("\u200b", "") == text.replace("\u200b", "").translate(
        str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
    )
    for i, char in enumerate(escaped):
        if char in "*_~`":
            assert escaped[i - 1] == escaped[i + 1] == "\u200b"


def test_code_and_link_targets_keep_their_marks_as_they_are() -> None:
    assert inline_code("a_b*c") == "`a_b*c`"
    assert "https://x.example/a_b" in link("https://x.example/a_b", "a_b")


def test_a_code_block_cannot_be_closed_from_inside() -> None:
    block = code_block("a\n```<!here>\nb")
    assert block.count("```") == 2
    assert "&lt;!here&gt;" in block


def test_inline_code_cannot_be_closed_from_inside() -> None:
    assert inline_code("a`b<c") == "`a'b&lt;c`"


def test_slack_templates_escape_every_printed_value() -> None:
    template = slack_environment().from_string("*{{ name }}* {{ names | join(', ') }}")
    shown = template.render(name=HOSTILE, names=["<!here>", "a&b"])
    assert "<" not in shown.replace("&lt;", "")
    assert "&lt;!here&gt;, a&amp;b" in shown


@given(st.text())
def test_escaped_text_never_holds_a_raw_angle_bracket(text: str) -> None:
    assert "<" not in escape(text)
    assert ">" not in escape(text)
    assert "<" not in code_block(text)
