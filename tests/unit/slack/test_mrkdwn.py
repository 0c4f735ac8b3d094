from hypothesis import given
from hypothesis import strategies as st

from bot.render.templating import slack_environment
from bot.slack.mrkdwn import code_block, escape, inline_code

HOSTILE = "<!channel> <@U123> <https://evil.example|click> & *bold* ```"


def test_escaping_leaves_no_angle_bracket_to_mention_or_link_with() -> None:
    escaped = escape(HOSTILE)
    assert "<" not in escaped
    assert ">" not in escaped
    assert escaped.startswith("&lt;!channel&gt; &lt;@U123&gt;")
    assert "&amp; *bold*" in escaped


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
