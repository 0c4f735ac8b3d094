"""What the web view asks: the map drawn for a window, its names, a Slack answer's preview.

Each takes what it reads (`BrowseDesk`, `PreviewDesk`) and the time; the web view builds
them of the app (`bot.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.adapters.store.ports import IncidentReader, ServiceHistory, StoredSpan
from bot.questions import Question
from bot.render.picture import TIMEOUT_S
from bot.slack.blocks import answer_blocks
from bot.slack.grammar import Help, parse
from bot.slack.mrkdwn import code_block, escape, inline_code
from bot.slack.present import answer_view
from bot.slack.reruns import command_text
from bot.usecases.answering import Reply
from bot.usecases.drawing import picture_of, rendered
from bot.usecases.map_questions import redacted_question
from bot.usecases.ranking_inputs import health_of
from bot.usecases.staleness import SourceStatus, stale_note
from bot.usecases.summary import summed_map
from bot.usecases.windows import Window
from topology.errors import CommandError, RenderError, SvcmapError, UsageError
from topology.glance import glance
from topology.graph import ServiceGraph
from topology.ownership import Catalog
from topology.picture import NODE_BUDGET, Picture, build_dot, omitted_note, overview, select
from topology.picture.labels import error_percent, p95, rate
from topology.picture.nearby import nearby
from topology.redaction import Redaction
from topology.retention import Retention
from topology.tiers import held_tiers

SEARCH_LIMIT = 200
"""Names a search lists at most."""
SERIES_HOURS = 24
"""The longest span of a service's series the web view asks for (one point a minute)."""
INCIDENTS_READ = 200
"""The latest incidents read to find those a window overlaps."""


class MapReader(Protocol):
    """The map of a window, read once for a burst of questions (`map_questions.map_of`)."""

    def __call__(self, window: Window, *, live: bool = False) -> ServiceGraph:
        """The map of `window`; `live` is a window ending now, which a map read moments ago does."""
        ...


Stale = Callable[[], list[SourceStatus]]
"""The live sources lagging behind now (`staleness.stale_sources`)."""
Svg = Callable[[Picture], str]
"""A picture laid out as SVG (`drawing.rendered`); `RenderError` when it cannot be."""


@dataclass(frozen=True, slots=True)
class BrowseDesk:
    """What the web view's map uses: its maps, the services' series, the incident log.

    With the catalog, the redaction names coming in are redacted by, and the layout of a
    picture as SVG.
    """

    maps: MapReader
    history: ServiceHistory
    incidents: IncidentReader
    catalog: Catalog
    redaction: Redaction
    svg: Svg


@dataclass(frozen=True, slots=True)
class PreviewDesk:
    """What a Slack answer's preview uses: the answer to a question, the lagging sources.

    With the catalog, the redaction and the layout of a picture as SVG.
    """

    answer: Callable[[Question], Reply]
    stale: Stale
    catalog: Catalog
    redaction: Redaction
    svg: Svg


@dataclass(frozen=True, slots=True)
class Drawn:
    """The map as SVG, with the names behind its node IDs and the numbers of its edges."""

    svg: str
    nodes: dict[str, str]
    edges: list[dict[str, object]]
    omitted: str
    health: dict[str, dict[str, object]]
    """Each drawn service's glance (`topology.glance`): calls in, errors, p95 and baseline."""
    incidents: list[str]
    """The drawn services an incident overlapping the window was opened for."""
    focus: str = ""
    """The node the map is drawn around, as the map names it; "" for none."""
    groups: dict[str, dict[str, object]] = field(default_factory=dict)
    """Team node IDs (`g2`) to the team and its counts, when the map is summed by team."""
    opened: str | None = None
    """The team a summary shows as its services ("" for no team); None when not summed."""


def svg_of(picture: Picture) -> str:
    """`picture` laid out by Graphviz as SVG, within the time a picture is given."""
    return rendered(picture, fmt="svg", timeout_s=TIMEOUT_S).decode("utf-8")


def names_on_map(
    desk: BrowseDesk, window: Window, *, team: str = "", kind: str = "", live: bool = False
) -> list[str]:
    """The names on the map of `window`, of `team` and `kind` when given.

    `live` is a window ending now, as in every function here: see `map_of`.
    """
    graph = desk.maps(window, live=live)
    catalog = desk.catalog
    return [
        name
        for name in graph.names()
        if (not team or catalog.owner_name(name) == team)
        and (not kind or graph.node(name).kind.value == kind)
    ]


def search(
    desk: BrowseDesk, window: Window, text: str, *, live: bool = False
) -> tuple[list[dict[str, object]], list[str]]:
    """Services whose name holds `text` (any case), with their team and kind; their teams.

    The first SEARCH_LIMIT services, and the teams of all of them (on a large map, the
    team filter offers every team, not only those of the services listed). `text` is also
    looked for redacted as names coming in are (`cart-1234567` finds the `cart-{num}` it
    became).
    """
    graph = desk.maps(window, live=live)
    wanted = {text.casefold(), desk.redaction.name(text).casefold()}
    found = [name for name in graph.names() if any(part in name.casefold() for part in wanted)]
    owner = desk.catalog.owner_name
    teams = sorted({team for team in map(owner, found) if team})
    return [_about(desk.catalog, graph, name) for name in found[:SEARCH_LIMIT]], teams


def draw(
    desk: BrowseDesk,
    window: Window,
    *,
    focus: str | None,
    names: list[str],
    live: bool = False,
    opened: str | None = None,
) -> Drawn | None:
    """The map among `names` (around `focus` when given) as SVG; None when nothing is on it.

    `focus` is named as a question names it: redacted as the map's names are. Without a
    focus, more names than a picture draws are summed by team, `opened` drawn as its
    services ("" for the services of no team).
    """
    graph = desk.maps(window, live=live)
    alerting = incident_services(desk.incidents, window)
    if not focus and len(names) > NODE_BUDGET:
        return _summed(desk, window, graph, names, alerting=alerting, opened=opened)
    if focus:
        focus = graph.resolve(desk.redaction.name(focus))
        if len(names) == len(graph):
            # Nothing filtered out: walked out from the focus only as far as it draws.
            selection = nearby(graph, focus)
        else:
            selection = select(graph, focus, interest=set(names) | {focus})
    else:
        found = overview(graph, names)
        if found is None:
            return None
        selection = found
    seconds = None if window.start is None or window.end is None else window.end - window.start
    title = f"around {focus}" if focus else "the map"
    picture = build_dot(
        selection,
        focus=focus or "",
        catalog=desk.catalog,
        alerting=alerting,
        window_seconds=seconds,
        title=f"{title}, {window.describe()}",
    )
    svg = desk.svg(picture)
    ids = {name: f"n{number}" for number, name in enumerate(picture.names)}
    edges: list[dict[str, object]] = [
        {
            "id": f"{ids[e.parent]}->{ids[e.child]}",
            "parent": e.parent,
            "child": e.child,
            "calls": e.calls,
            "errors": e.errors,
            "error_percent": error_percent(e),
            "rate": rate(e, seconds),
            "p50": e.latency.quantile_ms(0.5),
            "p95": p95(e),
        }
        for e in selection.edges
    ]
    drawn_names = list(picture.names)
    health = glance(graph, _baseline(desk.maps, window), drawn_names)
    return Drawn(
        svg=svg,
        nodes={node_id: name for name, node_id in ids.items()},
        edges=edges,
        omitted=omitted_note(picture.omitted),
        health={name: found.to_dict() for name, found in health.items()},
        incidents=sorted(alerting.intersection(drawn_names)),
        focus=focus or "",
    )


def _summed(
    desk: BrowseDesk,
    window: Window,
    graph: ServiceGraph,
    names: list[str],
    *,
    alerting: set[str],
    opened: str | None,
) -> Drawn:
    found = summed_map(
        graph,
        names,
        catalog=desk.catalog,
        baseline=_baseline(desk.maps, window),
        alerting=alerting,
        opened=opened,
        window=window,
    )
    return Drawn(
        svg=found.svg,
        nodes=found.nodes,
        edges=found.edges,
        omitted=found.note,
        health=found.health,
        incidents=sorted(alerting.intersection(found.nodes.values())),
        groups=found.groups,
        opened=found.opened,
    )


def _baseline(maps: MapReader, window: Window) -> ServiceGraph | None:
    """The map of as long a window just before `window`; None for an open-ended window."""
    if window.start is None or window.end is None:
        return None
    length = window.end - window.start
    return maps(Window(window.start - length, window.start))


def incident_services(incidents: IncidentReader, window: Window) -> set[str]:
    """The services of the latest incidents open at some time of `window`."""
    found = set()
    for incident in incidents.incidents(INCIDENTS_READ):
        if incident.symptom is None:
            continue
        if window.end is not None and incident.opened_at >= window.end:
            continue
        if (
            window.start is not None
            and incident.resolved_at is not None
            and incident.resolved_at < window.start
        ):
            continue
        found.add(incident.symptom)
    return found


@dataclass(frozen=True, slots=True)
class Preview:
    """What Slack would show for a question.

    Its blocks, whether only the asker sees them, and the picture it would upload (as SVG
    here), or why there is none; `stale` names the sources lagging behind an answer about
    now, as the CLI does ("" when none).
    """

    blocks: list[dict[str, object]]
    ephemeral: bool
    picture: str = ""
    no_picture: str = ""
    stale: str = ""


def preview(desk: PreviewDesk, text: str, *, now_s: int) -> Preview:
    """What Slack would show for `/svcmap text`, its picture drawn as SVG.

    The services `text` names are redacted as the map's names are, in the answer, its
    buttons and what a mistake echoes. An answer about now (no `--at`) is at `now_s`.
    """
    try:
        parsed = parse(text, typed=False)
    except CommandError as error:
        usage = f"\n{code_block(error.help)}" if error.help else ""
        return Preview(_whisper(f"{escape(str(error))}{usage}"), ephemeral=True)
    if isinstance(parsed, Help):
        return Preview(_whisper(code_block(parsed.text)), ephemeral=True)
    asked = redacted_question(desk.redaction, parsed)
    try:
        reply = desk.answer(asked)
    except SvcmapError as error:
        said = text.strip() if vars(asked) == vars(parsed) else command_text(asked)
        return Preview(_whisper(f"{inline_code(said)}: {escape(str(error))}"), ephemeral=True)
    at = asked.at if asked.at is not None else now_s
    stale = desk.stale() if asked.at is None else []
    blocks = answer_blocks(answer_view(reply, asked, at=at, user=None, stale=stale))
    note = stale_note(stale)
    if not reply.drawable:
        return Preview(blocks, ephemeral=False, stale=note)
    try:
        svg = desk.svg(picture_of(reply, desk.catalog))
    except RenderError as error:
        return Preview(blocks, ephemeral=False, no_picture=str(error), stale=note)
    return Preview(blocks, ephemeral=False, picture=svg, stale=note)


def map_staleness(stale: Stale, *, live: bool) -> str:
    """The line naming the sources a map of now lags behind, as the CLI says it; "" if none."""
    return stale_note(stale()) if live else ""


def _whisper(mrkdwn: str) -> list[dict[str, object]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}]


def _about(catalog: Catalog, graph: ServiceGraph, name: str) -> dict[str, object]:
    node = graph.node(name)
    return {
        "name": name,
        "team": catalog.owner_name(name),
        "kind": node.kind.value,
        "virtual": node.virtual,
    }


def service_over_time(
    desk: BrowseDesk, service: str, *, at: int | None, hours: int, now_s: int
) -> dict[str, object]:
    """`service`'s requests, errors and p95 a minute over the `hours` to `at` (None: `now_s`).

    With its owning team and the team's channel; `UnknownServiceError` when the map of
    those hours does not have it, `UsageError` for hours outside 1..SERIES_HOURS.
    """
    if not 1 <= hours <= SERIES_HOURS:
        raise UsageError(f"hours must be 1 to {SERIES_HOURS}, not {hours}")
    end = (now_s if at is None else at) + 1
    start = end - hours * 3600
    name = desk.maps(Window(start, end)).resolve(desk.redaction.name(service))
    found = health_of(desk.history, start, end, [name]).get(name)
    team = desk.catalog.team_of(name)
    metrics = found.metrics if found is not None else {}
    return {
        "service": name,
        "at": end - 1,
        "t": list(found.t) if found is not None else [],
        "requests": list(metrics.get("requests", ())),
        "errors": list(metrics.get("errors", ())),
        "p95_ms": list(metrics.get("latency_p95_ms", ())),
        "team": team.name if team else None,
        "channel": team.slack_channel if team else None,
    }


def stored_times(
    span: StoredSpan, incidents: IncidentReader, *, retention: Retention, now_s: int
) -> dict[str, object]:
    """The first and last minute the store holds (None when empty), and incidents' openings.

    The latest incidents (at most INCIDENTS_READ), each with when it opened, for which
    service and its status, oldest first: what the web view's time slider marks. And the
    tiers the time between is kept in (days, hours, minutes) as `retention` cuts at `now_s`.
    """
    held = span.time_range()
    tiers = held_tiers(held[0], held[1], now_s=now_s, retention=retention) if held else []
    latest = sorted(incidents.incidents(INCIDENTS_READ), key=lambda found: found.opened_at)
    return {
        "first": held[0] if held else None,
        "last": held[1] if held else None,
        "tiers": [tier.to_dict() for tier in tiers],
        "incidents": [
            {"at": found.opened_at, "service": found.symptom or "", "status": found.status}
            for found in latest
        ],
    }
