"""The web view's map, search, drill-down, time slider and preview, on in-memory fakes.

The use cases take what they read as arguments: the maps of windows, the services'
series (`ServiceHistory`), the incident log (`IncidentReader`), the catalog, the
redaction and the layout as SVG (`BrowseDesk`); the store's span (`StoredSpan`); the
answer to a question and the lagging sources (`PreviewDesk`); and the time. Here each is
held in memory, and a picture is "laid out" as its names. The store's and Graphviz's
side is held by `tests/integration/web` and `tests/e2e/test_web_view.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import pytest

from bot.adapters.store.incident_rows import IncidentRecord
from bot.adapters.store.ports import IncidentReader, ServiceHistory, ServiceSeries, StoredSpan
from bot.questions import Deps, Question
from bot.usecases.answering import Reply
from bot.usecases.browsing import (
    BrowseDesk,
    PreviewDesk,
    draw,
    incident_services,
    map_staleness,
    names_on_map,
    preview,
    search,
    service_over_time,
    stored_times,
)
from bot.usecases.map_questions import Answer
from bot.usecases.staleness import SourceStatus
from bot.usecases.windows import Window
from topology.errors import RenderError, UnknownServiceError, UsageError
from topology.graph import ServiceGraph
from topology.incidents.feedback import Feedback
from topology.model import NodeKind
from topology.ownership import Catalog, Team
from topology.picture import Picture
from topology.queries import Direction, dependencies
from topology.redaction import redaction_of
from topology.retention import DAY, HOUR, Retention
from topology.stats import EdgeStats, Node, ServiceStats

NOW_S = 1_777_604_400  # on the hour
WINDOW = Window(NOW_S + 1 - HOUR, NOW_S + 1)
CATALOG = Catalog(
    owners={"web": "front", "cart-{num}": "shop", "orders-db": "shop"},
    teams={"front": Team("front", slack_channel="#front"), "shop": Team("shop")},
)
EDGES = [
    EdgeStats("web", "cart-{num}", calls=10, errors=1),
    EdgeStats("cart-{num}", "orders-db", calls=6, child_kind=NodeKind.DATABASE),
    EdgeStats("web", "search", calls=4),
]
NODES = [Node("web"), Node("cart-{num}"), Node("orders-db", NodeKind.DATABASE)]


@dataclass
class Maps:
    """The same map for every window; each window asked, and whether live."""

    asked: list[tuple[Window, bool]] = field(default_factory=list)

    def __call__(self, window: Window, *, live: bool = False) -> ServiceGraph:
        self.asked.append((window, live))
        return ServiceGraph.build(EDGES, NODES, {"web": 10, "cart-{num}": 10})


@dataclass
class FakeHistory:
    """`web` served 3 requests a minute, two minutes before NOW_S; `search` served nothing."""

    asked: list[tuple[str, int | None, int | None, list[str] | None]] = field(default_factory=list)

    def service_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        services: Collection[str] | None = None,
    ) -> ServiceSeries:
        self.asked.append(("served", start_s, end_s, None if services is None else [*services]))
        points = [(NOW_S - 120, ServiceStats("web", 3)), (NOW_S - 60, ServiceStats("web", 3))]
        return {"web": points} if services is None or "web" in services else {}

    def incoming_series(
        self,
        start_s: int | None = None,
        end_s: int | None = None,
        *,
        nodes: Collection[str] | None = None,
    ) -> ServiceSeries:
        self.asked.append(("incoming", start_s, end_s, None if nodes is None else [*nodes]))
        return {"search": [(NOW_S - 60, ServiceStats("search", 4, errors=2))]}


def _incident(number: int, symptom: str | None, opened_at: int, resolved_at: int | None = None):
    return IncidentRecord(
        id=number,
        key=f"k{number}",
        status="open" if resolved_at is None else "resolved",
        symptom=symptom,
        cause=None,
        severity="critical",
        title=f"incident {number}",
        opened_at=opened_at,
        resolved_at=resolved_at,
        merged_into=None,
        paged_team=None,
        note=None,
        receiver="alertmanager",
    )


@dataclass
class FakeIncidents:
    """The latest incidents, newest first; the limits asked."""

    records: list[IncidentRecord] = field(default_factory=list)
    asked: list[int] = field(default_factory=list)

    def incidents(self, limit: int = 20) -> list[IncidentRecord]:
        self.asked.append(limit)
        return self.records[:limit]

    def answers(self, incident_ids: Sequence[int]) -> list[Feedback]:
        raise AssertionError(f"the web view reads no answers, not those of {incident_ids}")

    def paged_teams(self, incident_ids: Sequence[int]) -> dict[int, list[str]]:
        raise AssertionError(f"the web view reads no paged teams, not those of {incident_ids}")


@dataclass
class FakeSpan:
    """The first and last bucket held, or None for an empty store."""

    held: tuple[int, int] | None = None

    def time_range(self) -> tuple[int, int] | None:
        return self.held


@dataclass
class Layouts:
    """A picture "laid out" as its names; each picture given."""

    pictures: list[Picture] = field(default_factory=list)

    def __call__(self, picture: Picture) -> str:
        self.pictures.append(picture)
        return "<svg>" + " ".join(picture.names) + "</svg>"


def _desk(
    maps: Maps | None = None,
    incidents: FakeIncidents | None = None,
    layouts: Layouts | None = None,
    history: FakeHistory | None = None,
) -> BrowseDesk:
    return BrowseDesk(
        maps=maps or Maps(),
        history=history or FakeHistory(),
        incidents=incidents or FakeIncidents(),
        catalog=CATALOG,
        redaction=redaction_of("", defaults=True),
        svg=layouts or Layouts(),
    )


def test_the_fakes_are_the_ports_the_use_cases_read() -> None:
    history: ServiceHistory = FakeHistory()
    incidents: IncidentReader = FakeIncidents()
    span: StoredSpan = FakeSpan((0, 60))
    assert list(history.service_series(0, NOW_S)) == ["web"]
    assert incidents.incidents() == []
    assert span.time_range() == (0, 60)


def test_names_are_filtered_by_team_and_kind_and_found_by_their_redacted_text() -> None:
    maps = Maps()
    desk = _desk(maps)

    assert names_on_map(desk, WINDOW, team="shop", live=True) == ["cart-{num}", "orders-db"]
    assert names_on_map(desk, WINDOW, team="shop", kind="database") == ["orders-db"]
    found, teams = search(desk, WINDOW, "CART-1234567")
    assert found == [{"name": "cart-{num}", "team": "shop", "kind": "service", "virtual": False}]
    assert teams == ["shop"]
    everything, all_teams = search(desk, WINDOW, "e")
    assert [service["name"] for service in everything] == ["orders-db", "search", "web"]
    assert all_teams == ["front", "shop"]
    assert maps.asked[:2] == [(WINDOW, True), (WINDOW, False)]


def test_a_map_drawn_around_a_redacted_focus_marks_the_incidents_of_its_window() -> None:
    maps, layouts = Maps(), Layouts()
    incidents = FakeIncidents(
        [
            _incident(3, "cart-{num}", NOW_S - 600),
            _incident(2, "search", NOW_S + 60),  # opened after the window
            _incident(1, "web", NOW_S - 3 * HOUR, resolved_at=NOW_S - 2 * HOUR),  # before it
        ]
    )
    desk = _desk(maps, incidents, layouts)
    names = names_on_map(desk, WINDOW, live=True)

    drawn = draw(desk, WINDOW, focus="cart-1234567", names=names, live=True)

    assert drawn is not None
    assert drawn.focus == "cart-{num}"
    assert drawn.svg == "<svg>" + " ".join(layouts.pictures[0].names) + "</svg>"
    assert sorted(drawn.nodes.values()) == ["cart-{num}", "orders-db", "search", "web"]
    assert drawn.incidents == ["cart-{num}"]
    assert {(edge["parent"], edge["child"], edge["calls"]) for edge in drawn.edges} == {
        ("web", "cart-{num}", 10),
        ("cart-{num}", "orders-db", 6),
        ("web", "search", 4),
    }
    before = Window(WINDOW.start - HOUR, WINDOW.start)
    assert maps.asked[-2:] == [(WINDOW, True), (before, False)]  # the map, then its baseline
    assert incidents.asked == [200]


def test_an_incident_counts_for_a_window_it_was_open_in_and_only_with_a_symptom() -> None:
    incidents = FakeIncidents(
        [
            _incident(5, None, NOW_S - 60),
            _incident(4, "web", NOW_S - 2 * HOUR, resolved_at=NOW_S - 30 * 60),
            _incident(3, "cart-{num}", NOW_S - 2 * HOUR, resolved_at=NOW_S - 90 * 60),
            _incident(2, "search", WINDOW.end),
            _incident(1, "orders-db", 0),
        ]
    )

    assert incident_services(incidents, WINDOW) == {"web", "orders-db"}
    assert incident_services(incidents, Window()) == {"web", "cart-{num}", "search", "orders-db"}


def test_a_service_s_series_ends_at_the_time_given_and_an_idle_one_shows_the_calls_in() -> None:
    history, maps = FakeHistory(), Maps()
    desk = _desk(maps, history=history)

    web = service_over_time(desk, "WEB", at=None, hours=1, now_s=NOW_S)
    idle = service_over_time(desk, "search", at=NOW_S - 30, hours=2, now_s=NOW_S)

    assert (web["service"], web["team"], web["channel"], web["at"]) == (
        "web",
        "front",
        "#front",
        NOW_S,
    )
    assert web["t"] == list(range(NOW_S + 1 - HOUR + 59, NOW_S + 1, 60))
    assert web["requests"][-3:] == [3, 3, 0]
    assert (idle["team"], idle["at"], len(idle["t"])) == (None, NOW_S - 30, 120)
    assert (idle["requests"][-1], idle["errors"][-1]) == (4, 2)
    assert maps.asked == [(WINDOW, False), (Window(NOW_S - 30 + 1 - 2 * HOUR, NOW_S - 29), False)]
    assert history.asked[-1] == ("incoming", NOW_S - 29 - 2 * HOUR, NOW_S - 29, ["search"])
    with pytest.raises(UnknownServiceError):
        service_over_time(desk, "payments", at=None, hours=1, now_s=NOW_S)
    with pytest.raises(UsageError, match="hours must be 1 to 24"):
        service_over_time(desk, "web", at=None, hours=25, now_s=NOW_S)


def test_the_slider_has_the_span_held_in_its_tiers_and_the_incidents_oldest_first() -> None:
    retention = Retention(minutes_s=DAY, hours_s=7 * DAY, days_s=90 * DAY)
    incidents = FakeIncidents(
        [_incident(2, "web", NOW_S - HOUR), _incident(1, None, NOW_S - 3 * DAY, NOW_S)]
    )

    found = stored_times(
        FakeSpan((NOW_S - 10 * DAY, NOW_S)), incidents, retention=retention, now_s=NOW_S
    )
    empty = stored_times(FakeSpan(), FakeIncidents(), retention=retention, now_s=NOW_S)

    assert (found["first"], found["last"]) == (NOW_S - 10 * DAY, NOW_S)
    assert [tier["tier"] for tier in found["tiers"]] == ["days", "hours", "minutes"]
    assert found["incidents"] == [
        {"at": NOW_S - 3 * DAY, "service": "", "status": "resolved"},
        {"at": NOW_S - HOUR, "service": "web", "status": "open"},
    ]
    assert empty == {"first": None, "last": None, "tiers": [], "incidents": []}


@dataclass
class Answers:
    """Answers `deps` of the map; each question asked. Raises what `error` holds instead."""

    asked: list[Question] = field(default_factory=list)
    error: Exception | None = None

    def __call__(self, question: Question) -> Reply:
        self.asked.append(question)
        if self.error is not None:
            raise self.error
        assert isinstance(question, Deps)
        graph = Maps()(WINDOW)
        result = dependencies(graph, question.service, direction=Direction.BOTH, catalog=CATALOG)
        data = Answer("deps", {"window": WINDOW}, result).to_dict()
        return Reply(
            question="deps",
            data=data,
            detail="",
            graph=graph,
            focus=question.service,
            interest=frozenset(graph.names()),
            window_seconds=HOUR,
            window_text={"window": WINDOW.describe()},
        )


LAGGING = SourceStatus(
    name="tempo",
    configured=True,
    last_success=None,
    last_error_at=None,
    last_error=None,
    lag_s=None,
    stale=True,
)


def _preview_desk(answers: Answers, layouts: Layouts | None = None) -> PreviewDesk:
    return PreviewDesk(
        answer=answers,
        stale=lambda: [LAGGING],
        catalog=CATALOG,
        redaction=redaction_of("", defaults=True),
        svg=layouts or Layouts(),
    )


def test_a_preview_answers_the_redacted_question_with_its_picture_and_the_stale_note() -> None:
    answers, layouts = Answers(), Layouts()

    shown = preview(_preview_desk(answers, layouts), "deps cart-1234567", now_s=NOW_S)

    assert answers.asked == [Deps(service="cart-{num}")]
    assert not shown.ephemeral
    assert shown.picture == "<svg>" + " ".join(layouts.pictures[0].names) + "</svg>"
    assert "cart-{num}" in layouts.pictures[0].names
    assert shown.stale == "warning: the map may be stale: tempo never pulled"
    assert map_staleness(lambda: [LAGGING], live=False) == ""
    assert map_staleness(lambda: [LAGGING], live=True) == shown.stale


def test_a_preview_of_a_mistake_or_a_failed_answer_is_for_the_asker_alone() -> None:
    failing = Answers(error=UnknownServiceError("cart-{num}", []))
    unparsed = Answers()

    refused = preview(_preview_desk(failing), "deps cart-1234567", now_s=NOW_S)
    mistaken = preview(_preview_desk(unparsed), "depz web", now_s=NOW_S)

    assert refused.ephemeral
    assert mistaken.ephemeral
    # echoed as it was asked of the map
    assert "`deps 'cart-{num}'`: unknown service" in str(refused.blocks)
    assert "1234567" not in str(refused.blocks)
    assert unparsed.asked == []
    assert (refused.picture, mistaken.picture) == ("", "")


def test_a_picture_that_cannot_be_laid_out_says_why_and_an_answer_at_a_time_is_not_stale() -> None:
    def failing(_picture: Picture) -> str:
        raise RenderError("Graphviz took longer than 5 s")

    desk = PreviewDesk(
        answer=Answers(),
        stale=lambda: [LAGGING],
        catalog=CATALOG,
        redaction=redaction_of("", defaults=True),
        svg=failing,
    )

    shown = preview(desk, "deps web --at 2026-05-01T00:00:00Z", now_s=NOW_S)

    assert (shown.picture, shown.no_picture, shown.stale) == (
        "",
        "Graphviz took longer than 5 s",
        "",
    )
    assert shown.blocks
