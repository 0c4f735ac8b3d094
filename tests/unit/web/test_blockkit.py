from hypothesis import given
from hypothesis import strategies as st

from bot.slack.blocks import AnswerView, Button, answer_blocks
from bot.slack.mrkdwn import code_block, escape
from bot.web.blockkit import blocks_html, mrkdwn_html


def test_bold_italic_and_code_are_shown_and_nothing_else_obeyed():
    html = str(mrkdwn_html("*Blast radius* of `payment` _now_"))
    assert html == "<b>Blast radius</b> of <code>payment</code> <i>now</i>"


def test_an_escaped_name_is_shown_as_slack_shows_it_and_stays_text():
    name = '<img src=x onerror="alert(1)">'
    html = str(mrkdwn_html(f"*{escape(name)}* calls it"))
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_a_code_block_becomes_pre_with_its_text_escaped():
    html = str(mrkdwn_html(code_block("a & <b>\n```x")))
    assert html.startswith("<pre>")
    assert "a &amp; &lt;b&gt;" in html


def test_mentions_and_links_are_shown_by_label_never_linked():
    html = str(mrkdwn_html("<@U123> <!channel> <https://x.example|docs>"))
    assert html == "@U123 @channel docs"
    assert "href" not in html


def test_an_answers_buttons_carry_their_command_escaped():
    view = AnswerView(summary="*s*", buttons=[Button("<b>", 'deps "><script>')])
    html = str(blocks_html(answer_blocks(view)))
    assert 'data-command="deps &quot;&gt;&lt;script&gt;"' in html
    assert "<script>" not in html


@given(st.text(max_size=200))
def test_no_text_escaped_for_slack_can_make_a_tag(text):
    html = str(mrkdwn_html(escape(text)))
    stripped = html
    for tag in ("<b>", "</b>", "<i>", "</i>", "<code>", "</code>", "<pre>", "</pre>", "<br>"):
        stripped = stripped.replace(tag, "")
    assert "<" not in stripped
