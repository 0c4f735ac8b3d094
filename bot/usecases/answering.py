"""Answer any `/svcmap` question for a chat face: the data, the CLI's words, what to draw."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.questions import Diff, Drift, Owners, Path, Question, Rca, Risk, Simulate
from bot.render.templating import render
from bot.usecases.asking import AskDesk, ask
from bot.usecases.map_questions import map_of
from bot.usecases.rca import incident_times, rank_from_store
from bot.usecases.windows import Window
from topology.graph import ServiceGraph

UNDRAWN = (Diff, Drift, Risk)
"""Questions about the whole map, with no service to draw around."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One answered question: its data, the CLI's text of it, and what its picture shows."""

    question: str
    data: dict[str, object]
    detail: str
    graph: ServiceGraph | None
    focus: str | None
    interest: frozenset[str]
    window_seconds: int | None
    window_text: Mapping[str, str] = field(default_factory=dict)
    """Each window the answer looked at, in words."""

    @property
    def drawable(self) -> bool:
        """Whether a picture can be drawn: a focus on the map and something around it."""
        return self.graph is not None and self.focus is not None and self.graph.has(self.focus)


def answer(desk: AskDesk, question: Question) -> Reply:
    """Answer `question`, for a chat message."""
    if isinstance(question, Rca):
        return _rca(desk, question)
    asked = ask(desk, question)
    data = asked.to_dict()
    texts = {name: window.describe() for name, window in asked.windows.items()}
    detail = render(f"cli/{asked.question}.txt.j2", {**data, "window_text": texts})
    if isinstance(question, UNDRAWN) or (isinstance(question, Simulate) and question.planning):
        # a plan weighs past weeks: no one map
        return Reply(
            question=asked.question,
            data=data,
            detail=detail,
            graph=None,
            focus=None,
            interest=frozenset(),
            window_seconds=None,
            window_text=texts,
        )
    window = asked.windows["window"]
    focus, names = _drawn(question, data)
    graph = map_of(desk, window, live=question.at is None)
    return Reply(
        question=asked.question,
        data=data,
        detail=detail,
        graph=graph,
        focus=focus,
        interest=names,
        window_seconds=_length(window),
        window_text=texts,
    )


def _rca(desk: AskDesk, question: Rca) -> Reply:
    at, window_s, baseline_s = incident_times(desk, question.at, question.window, question.baseline)
    ranking = rank_from_store(desk, question.service, at, window_s, baseline_s)
    window = Window(at + 1 - window_s, at + 1)
    data = {"question": "rca", **ranking.to_dict(), "windows": {"window": window.to_dict()}}
    detail = render("cli/rca.txt.j2", data)
    names = frozenset(candidate.service for candidate in ranking.candidates)
    graph = map_of(desk, window)
    texts = {"window": window.describe()}
    return Reply(
        question="rca",
        data=data,
        detail=detail,
        graph=graph,
        focus=ranking.symptom,
        interest=names,
        window_seconds=window_s,
        window_text=texts,
    )


def _drawn(question: Question, data: Mapping[str, object]) -> tuple[str | None, frozenset[str]]:
    """The focus of a question's picture, and the names of its answer to draw around it."""
    if isinstance(question, Path):
        paths = _items(data.get("paths"))
        names = {str(name) for path in paths for name in _strings(path.get("services"))}
        return str(data["source"]), frozenset(names)
    if isinstance(question, Simulate):
        down = list(_strings(data.get("down")))
        affected = {str(item["name"]) for item in _items(data.get("affected"))}
        return (down[0] if down else None), frozenset(affected | set(down))
    if isinstance(question, Owners):
        keys = ("callers", "callees")
        names = {str(item["service"]) for key in keys for item in _items(data.get(key))}
        return str(data["service"]), frozenset(names)
    keys = ("downstream", "upstream")
    names = {str(item["name"]) for key in keys for item in _items(data.get(key))}
    return str(data["service"]), frozenset(names)


def _items(value: object) -> list[Mapping[str, object]]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, list):
        yield from (str(item) for item in value)


def _length(window: Window) -> int | None:
    if window.start is None or window.end is None:
        return None
    return window.end - window.start
