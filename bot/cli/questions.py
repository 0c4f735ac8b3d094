"""Print the answer to a question as a readable table, or as JSON."""

from __future__ import annotations

import argparse
import json

from bot.bootstrap import App
from bot.render.templating import render
from bot.usecases.asking import ask


def answer_question(app: App, args: argparse.Namespace) -> str:
    """Ask the question in `args` and format the answer for a terminal."""
    answer = ask(app, args)
    data = answer.to_dict()
    if args.json:
        return json.dumps(data, indent=2, ensure_ascii=False)
    data["window_text"] = {name: window.describe() for name, window in answer.windows.items()}
    return render(f"cli/{answer.question}.txt.j2", data)
