"""The pictures of incidents and early warnings, on maps held in memory.

Each takes a reader of the map of a window and the catalog as arguments; here the
reader hands out a graph built in memory and notes the windows it was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.store.incident_rows import IncidentRecord
from bot.commands import INCIDENT_WINDOW_S
from bot.usecases.incident_picture import incident_picture
from bot.usecases.warning_picture import WINDOW_S, warning_picture
from bot.usecases.windows import Window
from tests.unit.graph.factories import catalog, graph_of
from tests.unit.usecases.records import incident
from topology.graph import ServiceGraph
from topology.picture.style import ALERT_FILL

OPENED_S = 1_700_000_000
GRAPH = graph_of(("frontend", "checkout"), ("checkout", "payment"), ("checkout", "cart"))
CATALOG = catalog({"payment": "payments-team"}, {"payments-team": "#payments"})


@dataclass
class Maps:
    """Hands out `graph` for any window, noting the windows asked for."""

    graph: ServiceGraph = GRAPH
    asked: list[Window] = field(default_factory=list)

    def __call__(self, window: Window) -> ServiceGraph:
        self.asked.append(window)
        return self.graph


def _incident(symptom: str | None) -> IncidentRecord:
    return incident(7, symptom=symptom, opened_at=OPENED_S)


def _filled(dot: str, name: str) -> bool:
    """Whether the node labelled `name` is drawn in the alerting fill."""
    return any(f'label="{name}"' in line and ALERT_FILL in line for line in dot.splitlines())


def test_an_incident_is_drawn_from_the_map_of_the_window_it_opened_in() -> None:
    maps = Maps()

    drawn = incident_picture(maps, CATALOG, _incident("checkout"), ["payment"], {"payment"})

    assert maps.asked == [Window(OPENED_S + 1 - INCIDENT_WINDOW_S, OPENED_S + 1)]
    assert drawn is not None
    assert {"checkout", "payment"} <= set(drawn.names)
    assert _filled(drawn.dot, "payment")
    assert not _filled(drawn.dot, "cart")
    assert "payments-team" in drawn.dot


def test_an_incident_without_a_symptom_on_the_map_has_no_picture() -> None:
    maps = Maps()

    assert incident_picture(maps, CATALOG, _incident(None), [], ()) is None
    assert maps.asked == []
    assert incident_picture(maps, CATALOG, _incident("ledger"), ["payment"], ()) is None


def test_a_warning_about_an_edge_is_drawn_around_both_ends_over_the_last_hour() -> None:
    maps = Maps()
    now = OPENED_S + 600

    drawn = warning_picture(maps, CATALOG, "checkout->payment", now)

    assert maps.asked == [Window(now + 1 - WINDOW_S, now + 1)]
    assert drawn is not None
    assert _filled(drawn.dot, "checkout")
    assert _filled(drawn.dot, "payment")
    assert not _filled(drawn.dot, "frontend")


def test_a_warning_about_a_service_gone_from_the_map_has_no_picture() -> None:
    assert warning_picture(Maps(), CATALOG, "ledger", OPENED_S) is None
    assert warning_picture(Maps(), CATALOG, "ledger->vault", OPENED_S) is None
