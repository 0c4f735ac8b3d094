"""A question's answer for a terminal: a readable table, or JSON, with the stale sources.

Light on purpose: the map's questions are answered from here without the app.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.questions import MapQuestion, Question
from bot.render.templating import render
from bot.usecases.map_questions import Answer, ask_map
from bot.usecases.staleness import SourceStatus, stale_note, stale_sources

if TYPE_CHECKING:
    from bot.bootstrap import Reading


def answer_text(answer: Answer, question: Question, stale: list[SourceStatus]) -> str:
    """`answer` as `question` asks to see it (`--json` or a table), noting the `stale` sources."""
    data = answer.to_dict()
    if question.json:
        if stale:
            data["stale_sources"] = [status.to_dict() for status in stale]
        return json.dumps(data, indent=2, ensure_ascii=False)
    data["window_text"] = {name: window.describe() for name, window in answer.windows.items()}
    text = render(f"cli/{answer.question}.txt.j2", data)
    note = stale_note(stale)
    return f"{text}\n\n{note}" if note else text


def answer_map_question(reading: Reading, question: MapQuestion) -> str:
    """A question about the map alone (`answers_from_map`), answered without the app."""
    stale = stale_sources(reading) if question.at is None else []
    return answer_text(ask_map(reading, question), question, stale)
