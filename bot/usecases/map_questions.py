"""Answer the questions about the map of a window: read the graph, ask the pure core.

Light on purpose: what answers them may be the app or the CLI's read-only `Reading`
(`bot.bootstrap`), which loads no SQLAlchemy.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

from bot.usecases.windows import Window
from topology.graph import ServiceGraph
from topology.queries import (
    Direction,
    blast_radius,
    dependencies,
    diff,
    drift,
    owners,
    paths,
    simulate_down,
)
from topology.queries.jsonable import ToDict
from topology.redaction import Redaction
from topology.timespec import parse_duration

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.usecases.graphs import GraphCache
    from topology.ownership import Catalog
    from topology.store.ports import MapStore

MAP_QUESTIONS = frozenset({"deps", "blast", "path", "diff", "simulate", "owners", "drift"})
"""The questions answered from the map of a window alone (`ask_map`); not `simulate --for`."""


class Asking(Protocol):
    """What a map question reads: the app, or the CLI's read-only `Reading`."""

    @property
    def settings(self) -> Settings:
        """The default window."""
        ...

    @property
    def store(self) -> MapStore:
        """The map's buckets."""
        ...

    @property
    def graphs(self) -> GraphCache:
        """The maps read lately, by window."""
        ...

    @property
    def catalog(self) -> Catalog:
        """Who owns what."""
        ...

    @property
    def redaction(self) -> Redaction:
        """What names coming in are redacted by."""
        ...

    def now(self) -> int:
        """The current time in Unix seconds."""
        ...


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one question, with the window(s) it looked at."""

    question: str
    windows: dict[str, Window]
    result: ToDict

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data: the result, and the windows it covers."""
        windows = {name: window.to_dict() for name, window in self.windows.items()}
        return {"question": self.question, "windows": windows, **self.result.to_dict()}


def load_graph(store: MapStore, window: Window) -> ServiceGraph:
    """The map of the calls in `window`, with the requests each service served in it.

    Nodes known from outside the window are kept, without edges.
    """
    served = {s.service: s.requests for s in store.services(window.start, window.end)}
    return ServiceGraph.build(store.edges(window.start, window.end), store.nodes(), served)


def map_of(app: Asking, window: Window, *, live: bool = False) -> ServiceGraph:
    """The map of `window`, read once for a burst of questions about the same buckets.

    `live` is a window ending now (no `--at`): a map of it read moments ago will do.
    Everything up to a time after the newest bucket stored is everything: the map of
    everything now (`warm_map` reads it ahead) answers, when nothing newer was stored
    before it was taken; a map of a large fleet is read once, not once per time asked.
    """
    read = partial(load_graph, app.store)
    if not live and window.start is None and window.end is not None and _after(app, window.end):
        graph = app.graphs.get(Window(), read, now=app.now())
        if _after(app, window.end):  # nothing at or after the end came while it was read
            return graph
    return app.graphs.get(window, read, now=app.now() if live else None)


LAST_SECOND = 2**63 - 1
"""The latest time a bucket can start at (the largest BIGINT)."""


def _after(app: Asking, end: int) -> bool:
    """Whether every bucket stored starts before `end` (an indexed look, not a scan)."""
    return not app.store.holds_buckets(end, LAST_SECOND)


def warm_map(app: Asking) -> None:
    """Read the map of the default window ending now, so the next question finds it ready."""
    map_of(app, question_window(app, argparse.Namespace(at=None, window=None)), live=True)


def question_window(app: Asking, args: argparse.Namespace) -> Window:
    """The window a question looks at: `--window`, else the configured default, to `--at`."""
    length = getattr(args, "window", None)
    if length is None and app.settings.default_window:
        length = parse_duration(app.settings.default_window)
    return Window.ending_at(args.at, length, now=app.now())


NAMED = ("service", "source", "target")
"""The arguments of a question that name one service each (`services` names several)."""


def answers_from_map(args: argparse.Namespace) -> bool:
    """Whether `ask_map` answers `args`: a question about the map of its window(s) alone."""
    planning = args.command == "simulate" and bool(args.length or args.suggest)
    return args.command in MAP_QUESTIONS and not planning


def ask_map(app: Asking, args: argparse.Namespace) -> Answer:
    """Answer a question `answers_from_map`, its services named as the map names them."""
    args = redacted_question(app.redaction, args)
    if args.command == "diff":
        return _diff(app, args)
    window = question_window(app, args)
    graph = map_of(app, window, live=args.at is None)
    catalog = app.catalog
    windows = {"window": window}
    if args.command == "deps":
        direction = Direction(args.direction or "both")
        result: ToDict = dependencies(
            graph, args.service, direction=direction, depth=args.depth, catalog=catalog
        )
    elif args.command == "blast":
        result = blast_radius(graph, args.service, catalog)
    elif args.command == "path":
        result = paths(graph, args.source, args.target)
    elif args.command == "drift":
        result = drift(graph, catalog)
    elif args.command == "simulate":
        names = [name for group in args.services for name in group]
        result = simulate_down(graph, names, catalog)
    else:
        result = owners(graph, args.service, catalog)
    return Answer(args.command, windows, result)


def _diff(app: Asking, args: argparse.Namespace) -> Answer:
    now = app.now()
    end = (now if args.at is None else args.at) + 1
    since = args.since
    baseline = args.baseline or since
    after = Window(end - since, end)
    before = Window(end - since - baseline, end - since)
    live = args.at is None
    result = diff(map_of(app, before, live=live), map_of(app, after, live=live))
    return Answer("diff", {"before": before, "after": after}, result)


def redacted_question(redaction: Redaction, args: argparse.Namespace) -> argparse.Namespace:
    """`args` with the services it names redacted as every name coming in is.

    The map holds names redacted (`topology.redaction`): a question naming a service as
    its traces do (`cart-1234567`) asks about the node it became (`cart-{num}`).
    """
    if not redaction:
        return args
    given = vars(args)
    changed: dict[str, object] = {
        key: redaction.name(given[key]) for key in NAMED if isinstance(given.get(key), str)
    }
    groups = given.get("services")
    if isinstance(groups, list):
        changed["services"] = [
            [redaction.name(name) for name in group]
            if isinstance(group, list)
            else redaction.name(group)
            for group in groups
        ]
    return argparse.Namespace(**(given | changed)) if changed else args
