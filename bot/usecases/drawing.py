"""Draw an answer: the picture's DOT text, and its PNG or SVG through Graphviz, in time."""

from __future__ import annotations

from collections.abc import Collection

from bot.render.picture import Format, render
from bot.usecases.answering import Reply
from topology.errors import RenderError
from topology.ownership import Catalog
from topology.picture import Picture, Selection, build_dot, select

TITLES = {
    "deps": "dependencies of {focus}",
    "blast": "blast radius of {focus}",
    "path": "call paths from {focus}",
    "simulate": "if {focus} went down",
    "owners": "owners around {focus}",
    "rca": "likely root causes of {focus}",
}


def selection_of(reply: Reply) -> Selection:
    """What `reply`'s picture draws; `RenderError` when there is nothing to draw around."""
    if not reply.drawable or reply.graph is None or reply.focus is None:
        raise RenderError("this answer has no picture: nothing on the map to draw around")
    return select(reply.graph, reply.focus, interest=reply.interest)


def picture_of(reply: Reply, catalog: Catalog, *, alerting: Collection[str] = ()) -> Picture:
    """The DOT picture of `reply`'s answer around its focus; `RenderError` when there is none."""
    selection = selection_of(reply)
    title = TITLES.get(reply.question, "{focus}").format(focus=selection.focus)
    return build_dot(
        selection,
        focus=selection.focus,
        catalog=catalog,
        alerting=set(alerting),
        window_seconds=reply.window_seconds,
        title=title,
    )


def rendered(picture: Picture, *, fmt: Format, timeout_s: float) -> bytes:
    """The picture laid out by Graphviz; `RenderError` when it fails or takes too long."""
    if timeout_s <= 0:
        raise RenderError("no time was left to draw the picture")
    return render(picture, fmt=fmt, timeout_s=timeout_s)
