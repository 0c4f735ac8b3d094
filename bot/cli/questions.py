"""Print the answer to a question as a readable table, or as JSON."""

from __future__ import annotations

import argparse

from bot.bootstrap import App
from bot.cli.answer_text import answer_text
from bot.usecases.asking import ask
from bot.usecases.staleness import stale_sources


def answer_question(app: App, args: argparse.Namespace) -> str:
    """Ask the question in `args` and format the answer for a terminal."""
    return answer_text(ask(app, args), args, stale_sources(app) if args.at is None else [])
