import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.questions import Blast, Deps, Owners, Question
from bot.slack import reruns
from bot.slack.grammar import Help, parse


def asked(text: str) -> Question:
    parsed = parse(text, typed=False)
    assert not isinstance(parsed, Help)
    return parsed


@pytest.mark.parametrize(
    "text",
    [
        "deps cart --up --depth 2 --at 1700000000 --window 900s",
        "blast 'pay ment'",
        "rca checkout --at 1700000000 --window 1200s --baseline 3600s",
        "path frontend postgres",
        "simulate down payment,cart",
        "simulate down payment,cart --for 7200s --weeks 3 --suggest --at 1700000000",
        "risk --min-share 0.25 --limit 5 --window 3600s",
        "risk",
        "owners checkout",
        "diff --since 7200s --at 1700000000",
    ],
)
def test_command_text_asks_the_same_question_again(text: str) -> None:
    args = asked(text)
    assert asked(reruns.command_text(args)) == args


def test_command_text_can_move_the_question_in_time() -> None:
    args = asked("blast cart --at 1700000000")
    assert asked(reruns.command_text(args, at=1_699_996_400)).at == 1_699_996_400


def test_deeper_goes_one_more_hop_in_the_asked_direction() -> None:
    deeper = asked(reruns.deeper(asked("deps cart --up --depth 2"), "up", at=5))
    assert isinstance(deeper, Deps)
    assert (deeper.direction, deeper.depth, deeper.at) == ("up", 3, 5)
    first = asked(reruns.deeper(asked("blast cart"), "down", at=5))
    assert isinstance(first, Deps)
    assert (first.name, first.service, first.direction, first.depth) == (
        "deps",
        "cart",
        "down",
        1,
    )


def test_about_asks_another_question_of_the_same_focus() -> None:
    other = asked(reruns.about(asked("path frontend postgres"), "owners", at=7))
    assert other == Owners(service="frontend", at=7)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_any_service_name_survives_the_round_trip(name: str) -> None:
    assert asked(reruns.command_text(Blast(service=name))) == Blast(service=name)
