"""The command text that asks a question again: what buttons carry, read back by the grammar.

A button's value is never trusted: it is parsed by the same grammar as typed text and
checked by the same access rules, so a forged one can only ask an ordinary question.
"""

from __future__ import annotations

from dataclasses import replace

from bot.questions import (
    Blast,
    Deps,
    DirectionName,
    Owners,
    Question,
    Rca,
    focus,
    question_text,
    window_of,
)

VALUE_LIMIT = 2_000
"""Slack's limit on a button's value."""
OPTION_LIMIT = 150
"""Slack's limit on a select option's value."""


def command_text(question: Question, *, at: int | None = None) -> str:
    """The `/svcmap` text (without `/svcmap`) that asks `question` again, at `at` if given."""
    return question_text(question, at=at)


def deeper(question: Question, direction: DirectionName, *, at: int) -> str:
    """`deps` one hop further than `question` went in `direction` (`up` or `down`)."""
    depth = (question.depth or 1) + 1 if isinstance(question, Deps) else 1
    window = window_of(question)
    more = Deps(service=_focus(question), direction=direction, depth=depth, at=at, window=window)
    return command_text(more)


def about(question: Question, other: str, *, at: int) -> str:
    """Ask `other` (`owners`, `blast`, `rca`) about the focus of `question`, at `at`."""
    return command_text(asked_about(other, _focus(question), at))


def asked_about(question: str, service: str, at: int | None) -> Question:
    """The question `question` (`deps`, `owners`, `blast`, `rca`) about `service` at `at`."""
    match question:
        case "deps":
            return Deps(service=service, direction="both", at=at)
        case "owners":
            return Owners(service=service, at=at)
        case "blast":
            return Blast(service=service, at=at)
        case "rca":
            return Rca(service=service, at=at)
    raise ValueError(f"{question!r} is not asked about one service")


def moved(question: Question, at: int | None) -> Question:
    """`question` asked at `at` instead (None: now)."""
    return replace(question, at=at)


def _focus(question: Question) -> str:
    return focus(question) or ""


def fits(text: str, limit: int = VALUE_LIMIT) -> bool:
    """Whether `text` fits in a button's (or an option's) value."""
    return len(text) <= limit
