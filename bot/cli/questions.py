"""Print the answer to a question as a readable table, or as JSON."""

from __future__ import annotations

import argparse
import json

from bot.bootstrap import App
from bot.render.templating import render
from bot.usecases.asking import ask
from bot.usecases.sources import stale_note, stale_sources


def answer_question(app: App, args: argparse.Namespace) -> str:
    """Ask the question in `args` and format the answer for a terminal."""
    answer = ask(app, args)
    data = answer.to_dict()
    stale = stale_sources(app) if args.at is None else []
    if args.json:
        if stale:
            data["stale_sources"] = [status.to_dict() for status in stale]
        return json.dumps(data, indent=2, ensure_ascii=False)
    data["window_text"] = {name: window.describe() for name, window in answer.windows.items()}
    text = render(f"cli/{answer.question}.txt.j2", data)
    note = stale_note(stale)
    return f"{text}\n\n{note}" if note else text
