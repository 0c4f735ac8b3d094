import re

from hypothesis import given
from hypothesis import strategies as st

from topology.picture.escape import LABEL_LIMIT, escape, quote

from .dotparse import QUOTED, unescape
from .factories import INJECTIONS

PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Z")))


def test_quotes_and_backslashes_are_escaped():
    assert quote('a"b') == r'"a\"b"'
    assert quote("x\\ny") == r'"x\\ny"'
    assert quote("trailing\\") == '"trailing\\\\"'


def test_record_characters_are_escaped_and_ampersands_kept_literal():
    assert escape("a|b{c}<d>") == r"a\|b\{c\}\<d\>"
    assert escape("&lt;") == "&amp;lt;"


def test_a_newline_is_shown_not_obeyed():
    assert escape("x\ny") == r"x\\ny"
    assert "\n" not in escape("a\nb\rc")


def test_control_and_bidi_characters_are_replaced_and_spaces_kept():
    assert escape("a\x00b\u202ec\u00a0d") == "a\ufffdb\ufffdc d"


def test_unicode_letters_and_emoji_pass_unchanged():
    assert escape("caf\u00e9 \u6771\u4eac \U0001f469\u200d\U0001f4bb") == (
        "caf\u00e9 \u6771\u4eac \U0001f469\u200d\U0001f4bb"
    )


def test_long_names_are_cut_with_an_ellipsis():
    shown = escape("x" * 500, limit=LABEL_LIMIT)

    assert len(shown) == LABEL_LIMIT
    assert shown.endswith("\u2026")


def test_every_injection_stays_one_quoted_string_on_one_line():
    for name in INJECTIONS:
        quoted = quote(name)
        assert QUOTED.fullmatch(quoted), name
        assert "\n" not in quoted


@given(PRINTABLE)
def test_escaping_round_trips_printable_text(text):
    quoted = quote(text)

    assert QUOTED.fullmatch(quoted)
    assert unescape(quoted) == text


@given(st.text())
def test_any_text_stays_inside_one_quoted_string(text):
    quoted = quote(text)

    assert QUOTED.fullmatch(quoted)
    assert not re.search(r"[\x00-\x1f\x7f]", quoted)
