"""The picture of an early warning: the map around its service (or edge) over the last hour."""

from __future__ import annotations

from bot.usecases.answering import Reply
from bot.usecases.drawing import picture_of
from bot.usecases.incident_picture import MapReader
from bot.usecases.windows import Window
from topology.errors import RenderError
from topology.ownership import Catalog
from topology.picture import Picture
from topology.rca.edges import edge_parts

WINDOW_S = 3600


def warning_picture(maps: MapReader, catalog: Catalog, subject: str, now: int) -> Picture | None:
    """The DOT picture around `subject` (a service, or an edge `parent->child`), or None.

    The map is the one `maps` gives of the last hour to `now`; owners come from `catalog`.
    """
    graph = maps(Window(now + 1 - WINDOW_S, now + 1))
    ends = edge_parts(subject) if "->" in subject else (subject, subject)
    shown = [name for name in ends if graph.has(name)]
    if not shown:
        return None
    centre = shown[-1]
    reply = Reply(
        question="rca",
        data={},
        detail="",
        graph=graph,
        focus=centre,
        interest=frozenset(shown),
        window_seconds=WINDOW_S,
    )
    try:
        return picture_of(reply, catalog, alerting=frozenset(shown))
    except RenderError:
        return None
