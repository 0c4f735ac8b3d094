"""Answer the questions about the map of a window: read the graph, ask the pure core.

Light on purpose: what answers them may be the asking desk (`bot.usecases.asking`) or
the CLI's read-only `Reading` (`bot.bootstrap`), which loads no SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeGuard, TypeVar

from bot.questions import (
    Blast,
    Deps,
    Diff,
    Drift,
    MapQuestion,
    Owners,
    Path,
    Question,
    Rca,
    Simulate,
)
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
from topology.queries.reach import prepare
from topology.redaction import Redaction
from topology.timespec import parse_duration

Q = TypeVar("Q", bound=Question)

if TYPE_CHECKING:
    from bot.adapters.store.ports import MapStore
    from bot.settings import Settings
    from bot.usecases.graphs import GraphCache
    from topology.ownership import Catalog


class Asking(Protocol):
    """What a map question reads: the asking desk, or the CLI's read-only `Reading`."""

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


def map_of(reads: Asking, window: Window, *, live: bool = False) -> ServiceGraph:
    """The map of `window`, read once for a burst of questions about the same buckets.

    `live` is a window ending now (no `--at`): a map of it read moments ago will do.
    Everything up to a time after the newest bucket stored is everything: the map of
    everything now (`warm_map` reads it ahead) answers, when nothing newer was stored
    before it was taken; a map of a large fleet is read once, not once per time asked.
    """
    read = partial(load_graph, reads.store)
    if not live and window.start is None and window.end is not None and _after(reads, window.end):
        graph = reads.graphs.get(Window(), read, now=reads.now())
        if _after(reads, window.end):  # nothing at or after the end came while it was read
            return graph
    return reads.graphs.get(window, read, now=reads.now() if live else None)


LAST_SECOND = 2**63 - 1
"""The latest time a bucket can start at (the largest BIGINT)."""


def _after(reads: Asking, end: int) -> bool:
    """Whether every bucket stored starts before `end` (an indexed look, not a scan)."""
    return not reads.store.holds_buckets(end, LAST_SECOND)


def warm_map(reads: Asking) -> None:
    """Read the map of the default window ending now, so the next question finds it ready.

    What its walks and shares need (`topology.queries.reach.prepare`: the cycles'
    solvers, the order shares settle in, a large map's callers matrix) is made now too,
    not by the first blast radius after each refresh.
    """
    prepare(map_of(reads, question_window(reads, None, None), live=True))


def question_window(reads: Asking, at: int | None, length: int | None) -> Window:
    """The window a question looks at: `length` (`--window`), else the default, to `at`."""
    if length is None and reads.settings.default_window:
        length = parse_duration(reads.settings.default_window)
    return Window.ending_at(at, length, now=reads.now())


def answers_from_map(question: Question) -> TypeGuard[MapQuestion]:
    """Whether `ask_map` answers `question`: one about the map of its window(s) alone."""
    if isinstance(question, Simulate):
        return not question.planning
    return isinstance(question, Deps | Blast | Owners | Path | Diff | Drift)


def ask_map(reads: Asking, question: MapQuestion) -> Answer:
    """Answer a question `answers_from_map`, its services named as the map names them."""
    question = redacted_question(reads.redaction, question)
    if isinstance(question, Diff):
        return _diff(reads, question)
    window = question_window(reads, question.at, question.window)
    graph = map_of(reads, window, live=question.at is None)
    catalog = reads.catalog
    result: ToDict
    match question:
        case Deps(service=service, direction=direction, depth=depth):
            way = Direction(direction or "both")
            result = dependencies(graph, service, direction=way, depth=depth, catalog=catalog)
        case Blast(service=service):
            result = blast_radius(graph, service, catalog)
        case Path(source=source, target=target):
            result = paths(graph, source, target)
        case Drift():
            result = drift(graph, catalog)
        case Simulate(services=services):
            result = simulate_down(graph, list(services), catalog)
        case Owners(service=service):
            result = owners(graph, service, catalog)
    return Answer(question.name, {"window": window}, result)


def _diff(reads: Asking, question: Diff) -> Answer:
    now = reads.now()
    end = (now if question.at is None else question.at) + 1
    since = question.since
    baseline = question.baseline or since
    after = Window(end - since, end)
    before = Window(end - since - baseline, end - since)
    live = question.at is None
    result = diff(map_of(reads, before, live=live), map_of(reads, after, live=live))
    return Answer("diff", {"before": before, "after": after}, result)


def redacted_question(redaction: Redaction, question: Q) -> Q:
    """`question` with the services it names redacted as every name coming in is.

    The map holds names redacted (`topology.redaction`): a question naming a service as
    its traces do (`cart-1234567`) asks about the node it became (`cart-{num}`).
    """
    if not redaction:
        return question
    match question:
        case Path(source=source, target=target):
            return replace(question, source=redaction.name(source), target=redaction.name(target))
        case Simulate(services=services):
            return replace(question, services=tuple(redaction.name(n) for n in services))
        case Deps() | Blast() | Owners() | Rca():
            return replace(question, service=redaction.name(question.service))
    return question
