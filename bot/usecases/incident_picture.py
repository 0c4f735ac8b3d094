"""The picture of an incident: the map around its alerted service, alerting services in red."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from bot.adapters.store.incident_rows import IncidentRecord
from bot.commands import INCIDENT_WINDOW_S
from bot.usecases.answering import Reply
from bot.usecases.drawing import picture_of
from bot.usecases.windows import Window
from topology.errors import RenderError
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.picture import Picture

MapReader = Callable[[Window], ServiceGraph]
"""The map of a window."""


def incident_picture(
    maps: MapReader,
    catalog: Catalog,
    incident: IncidentRecord,
    causes: Iterable[str],
    alerting: Collection[str],
) -> Picture | None:
    """The DOT picture around the incident's symptom and `causes` when it opened, or None.

    The map is the one `maps` gives of the incident's window; owners come from `catalog`.
    """
    if incident.symptom is None:
        return None
    at = incident.opened_at
    graph = maps(Window(at + 1 - INCIDENT_WINDOW_S, at + 1))
    if not graph.has(incident.symptom):
        return None
    interest = frozenset(name for name in causes if graph.has(name))
    reply = Reply(
        question="rca",
        data={},
        detail="",
        graph=graph,
        focus=incident.symptom,
        interest=interest,
        window_seconds=INCIDENT_WINDOW_S,
    )
    try:
        return picture_of(reply, catalog, alerting=alerting)
    except RenderError:
        return None
