"""Print the answer to a question as a readable table, or as JSON."""

from __future__ import annotations

import argparse

from bot.bootstrap import App, ask_desk
from bot.cli.answer_text import answer_text
from bot.questions import question_of
from bot.usecases.asking import ask
from bot.usecases.staleness import stale_sources


def answer_question(app: App, args: argparse.Namespace) -> str:
    """Ask the question the command line `args` holds and format the answer for a terminal."""
    question = question_of(args)
    stale = stale_sources(app) if question.at is None else []
    return answer_text(ask(ask_desk(app), question), question, stale)
