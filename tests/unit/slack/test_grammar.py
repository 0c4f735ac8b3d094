import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.questions import Blast, Deps, Question
from bot.slack.grammar import TEXT_LIMIT, Help, parse
from topology.errors import CommandError


def asked(text: str) -> Question:
    parsed = parse(text)
    assert not isinstance(parsed, Help)
    return parsed


def test_every_subcommand_reads_with_the_cli_words() -> None:
    assert asked("deps payment --up --depth 2") == Deps(service="payment", direction="up", depth=2)
    assert asked("blast payment") == Blast(service="payment")
    assert asked("rca checkout --window 20m --baseline 1h").window == 1_200
    assert (asked("path frontend postgres").source, asked("path a b").target) == ("frontend", "b")
    assert asked("diff --since 2h").since == 7_200
    assert asked("simulate down payment,cart redis").services == ("payment", "cart", "redis")
    assert asked("owners checkout --at 2026-05-01T02:30:00Z").at == 1_777_602_600


def test_an_empty_command_or_help_shows_every_subcommand() -> None:
    for text in ("", "   ", "help", "--help"):
        shown = parse(text)
        assert isinstance(shown, Help)
        assert shown.topic is None
        for word in ("deps", "blast", "rca", "path", "diff", "simulate", "owners"):
            assert f"  {word} " in shown.text


def test_help_for_one_subcommand_shows_its_options() -> None:
    for text in ("help deps", "deps --help", "deps -h"):
        shown = parse(text)
        assert isinstance(shown, Help)
        assert shown.topic == "deps"
        assert "/svcmap deps" in shown.text
        assert "--depth N" in shown.text


def test_a_usage_mistake_carries_the_help_of_its_subcommand() -> None:
    with pytest.raises(CommandError) as raised:
        parse("path frontend")
    assert "required: target" in str(raised.value)
    assert raised.value.help.startswith("usage: /svcmap path")


def test_a_bad_time_says_what_is_accepted() -> None:
    with pytest.raises(CommandError, match="ISO 8601") as raised:
        parse("deps cart --at yesterday")
    assert "/svcmap deps" in raised.value.help


def test_an_unknown_subcommand_lists_the_known_ones() -> None:
    with pytest.raises(CommandError, match="unknown subcommand 'frob'") as raised:
        parse("frob cart")
    assert "simulate" in raised.value.help


def test_abbreviated_options_are_refused_rather_than_guessed() -> None:
    with pytest.raises(CommandError):
        parse("deps cart --dep 2")


def test_slack_entities_curly_quotes_and_dashes_read_as_typed() -> None:
    assert asked("blast \u201cpay ment\u201d").service == "pay ment"
    assert asked("deps cart \u2014up").direction == "up"
    assert asked("blast a&amp;b").service == "a&b"
    assert asked("<@U0SVCMAP> blast cart").service == "cart"


def test_button_text_is_not_unescaped_again() -> None:
    assert parse("blast 'a&amp;b'", typed=False) == Blast(service="a&amp;b")


def test_unbalanced_quotes_and_huge_text_are_refused_clearly() -> None:
    with pytest.raises(CommandError, match="No closing quotation"):
        parse('blast "cart')
    with pytest.raises(CommandError, match="at most"):
        parse("blast " + "x" * TEXT_LIMIT)


@given(st.text(max_size=200))
def test_any_text_is_a_question_help_or_a_command_error(text: str) -> None:
    with contextlib.suppress(CommandError):
        assert isinstance(parse(text), Question | Help)
