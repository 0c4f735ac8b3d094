"""The typed questions: read from text by the one grammar, written back as the same text."""

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.questions import (
    KINDS,
    Blast,
    Deps,
    Diff,
    Drift,
    Owners,
    Path,
    Question,
    Rca,
    Risk,
    Simulate,
    focus,
    question_of,
    question_text,
)
from bot.slack.grammar import Help, parse
from topology.errors import CommandError


def read(text: str) -> Question:
    parsed = parse(text, typed=False)
    assert not isinstance(parsed, Help)
    return parsed


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("deps cart --up --depth 2", Deps(service="cart", direction="up", depth=2)),
        ("deps cart", Deps(service="cart")),
        ("blast payment --window 900s", Blast(service="payment", window=900)),
        ("owners checkout --at 1700000000", Owners(service="checkout", at=1_700_000_000)),
        ("path frontend postgres", Path(source="frontend", target="postgres")),
        ("diff --since 7200s --baseline 3600s", Diff(since=7_200, baseline=3_600)),
        ("diff", Diff()),
        ("simulate down a,b", Simulate(services=("a", "b"))),
        (
            "simulate down a --for 3600s --weeks 2 --suggest",
            Simulate(services=("a",), length=3_600, weeks=2, suggest=True),
        ),
        ("drift --window 3600s", Drift(window=3_600)),
        ("risk --min-share 0.25 --limit 5", Risk(min_share=0.25, limit=5)),
        ("risk", Risk()),
        (
            "rca checkout --window 1200s --baseline 3600s",
            Rca(service="checkout", window=1_200, baseline=3_600),
        ),
    ],
)
def test_each_question_reads_as_its_type_and_writes_back_as_the_same_text(
    text: str, question: Question
) -> None:
    assert read(text) == question
    assert read(question_text(question)) == question


def test_every_question_type_is_known_by_the_subcommand_that_asks_it() -> None:
    assert set(KINDS) == {
        "deps",
        "blast",
        "owners",
        "path",
        "diff",
        "simulate",
        "drift",
        "risk",
        "rca",
    }
    assert all(kind.name == name for name, kind in KINDS.items())


def test_defaults_are_written_so_a_rerun_keeps_them() -> None:
    assert question_text(Risk()) == "risk --limit 10"
    assert question_text(Diff()) == "diff --since 3600s"
    assert question_text(Deps(service="cart", direction="both")) == "deps --both cart"


def test_json_is_how_an_answer_is_shown_not_part_of_the_question() -> None:
    assert read("blast cart --json") == Blast(service="cart", json=True)
    assert question_text(Blast(service="cart", json=True)) == "blast cart"


def test_a_question_moves_in_time_without_changing_otherwise() -> None:
    moved = question_text(Path(source="a", target="b", window=600), at=5)
    assert read(moved) == Path(source="a", target="b", window=600, at=5)


def test_a_name_that_looks_like_an_option_stays_a_name() -> None:
    question = Blast(service="-x-cart")
    assert question_text(question) == "blast -- -x-cart"
    assert read(question_text(question)) == question


@pytest.mark.parametrize(
    "text",
    [
        "deps",
        "deps cart --depth 0",
        "deps cart --up --down",
        "path frontend",
        "diff --since soon",
        "simulate up cart",
        "simulate down ,",
        "simulate down a --weeks 53",
        "risk --min-share 0",
        "risk --limit 1001",
        "rca",
        "blast cart --at yesterday",
        "frob cart",
    ],
)
def test_bad_text_is_a_command_error_not_a_question(text: str) -> None:
    with pytest.raises(CommandError):
        parse(text, typed=False)


@pytest.mark.parametrize(
    "parsed",
    [
        argparse.Namespace(command="edges"),
        argparse.Namespace(command="blast", service=None),
        argparse.Namespace(command="deps", service="a", direction="sideways"),
        argparse.Namespace(command="deps", service="a", depth="2"),
        argparse.Namespace(command="path", source="a", target="b", at=True),
        argparse.Namespace(command="simulate", services=[]),
        argparse.Namespace(command="simulate", services="a"),
        argparse.Namespace(command="simulate", services=[[1]]),
        argparse.Namespace(command="risk", min_share="50%"),
    ],
)
def test_what_no_grammar_reads_is_no_question(parsed: argparse.Namespace) -> None:
    with pytest.raises(TypeError):
        question_of(parsed)


def test_the_focus_is_the_service_a_question_is_about_first() -> None:
    assert focus(Path(source="a", target="b")) == "a"
    assert focus(Simulate(services=("x", "y"))) == "x"
    assert focus(Rca(service="c")) == "c"
    assert focus(Risk()) is None


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
names = names.filter(lambda name: name not in ("-h", "--help"))  # asks for help, by design


@given(names, names, st.none() | st.integers(min_value=0, max_value=999_999_999_999))
def test_any_names_and_time_survive_the_round_trip(
    source: str, target: str, at: int | None
) -> None:
    question = Path(source=source, target=target, at=at)
    assert read(question_text(question)) == question
