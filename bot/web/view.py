"""The web view at `/`: the page, its JSON API under `/api/`, and its static files."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import cache, partial
from pathlib import Path

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.bootstrap import App, browse_desk, call_desk, preview_desk
from bot.render.templating import templates_dir
from bot.usecases.browsing import (
    draw,
    map_staleness,
    names_on_map,
    preview,
    search,
    service_over_time,
    stored_times,
)
from bot.usecases.edge_over_time import edge_over_time
from bot.usecases.staleness import stale_sources
from bot.usecases.windows import Window
from bot.web.blockkit import blocks_html
from bot.web.body import BodyTooLargeError, read_body
from bot.web.csrf import csrf_token
from bot.web.incidents import IncidentFeed
from bot.web.signin import signed_in_name
from topology.errors import SvcmapError, UnknownCallError, UnknownServiceError, UsageError
from topology.model import NodeKind
from topology.timespec import parse_duration, parse_time

QUERY_LIMIT = 200
"""Characters a query parameter may have: no name or time needs more."""
BODY_LIMIT = 8_192
INCIDENTS_SHOWN = 20
STATIC = {
    "view.js": "text/javascript",
    "zoom.js": "text/javascript",
    "view.css": "text/css",
    "uPlot.iife.min.js": "text/javascript",
    "uPlot.min.css": "text/css",
    "uPlot.LICENSE": "text/plain",
}
"""The page's files; uPlot (MIT, its licence beside it) draws the drill-down's series."""
SERIES_HOURS = 6
"""The hours a drill-down's series covers unless asked otherwise."""
WHOLE_DIGITS = 6
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@cache
def _pages() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "web"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def view_routes(app: App, incidents: IncidentFeed) -> list[Route]:
    """The page and the API it calls."""

    async def page(request: Request) -> Response:
        given = {
            name: request.query_params.get(name, "")[:QUERY_LIMIT]
            for name in ("focus", "at", "window")
        }
        html = (
            _pages()
            .get_template("index.html.j2")
            .render(
                focus=app.redaction.name(given["focus"]),
                at=given["at"],
                window=given["window"] if "window" in request.query_params else None,
                kinds=[kind.value for kind in NodeKind],
                csrf=csrf_token(request.session),
                user=signed_in_name(request.session),
            )
        )
        return HTMLResponse(html, headers={**SECURITY_HEADERS, "cache-control": "no-store"})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return _error("no such file", 404)
        path: Path = templates_dir() / "web" / "static" / name
        return FileResponse(path, media_type=STATIC[name], headers=SECURITY_HEADERS)

    async def map_api(request: Request) -> Response:
        try:
            params = query_params(request, "focus", "team", "kind", "at", "window", "open")
            window, live = _window(app, params), not params["at"]
            desk = browse_desk(app)
            names = await run_in_threadpool(
                names_on_map, desk, window, team=params["team"], kind=params["kind"], live=live
            )
            opened = params["open"] if "open" in request.query_params else None
            drawn = await run_in_threadpool(
                partial(draw, focus=params["focus"] or None, names=names, live=live, opened=opened),
                desk,
                window,
            )
            stale = await run_in_threadpool(map_staleness, partial(stale_sources, app), live=live)
        except UnknownServiceError as error:
            return _error(str(error), 404)
        except UsageError as error:
            return _error(str(error), 400)
        except SvcmapError as error:
            return _error(str(error), 503)
        data: dict[str, object] = {
            "window": window.describe(),
            "focus": drawn.focus if drawn else "",
            "stale": stale,
        }
        if drawn is None:
            empty = {"nodes": {}, "edges": [], "omitted": "", "health": {}, "incidents": []}
            return _json({**data, "svg": "", "groups": {}, "opened": None, **empty})
        extra = {
            "groups": drawn.groups,
            "opened": drawn.opened,
            "nodes": drawn.nodes,
            "edges": drawn.edges,
            "omitted": drawn.omitted,
            "health": drawn.health,
            "incidents": drawn.incidents,
        }
        return _json({**data, "svg": drawn.svg, **extra})

    async def search_api(request: Request) -> Response:
        try:
            params = query_params(request, "q", "at", "window")
            window = _window(app, params)
            found, teams = await run_in_threadpool(
                partial(search, live=not params["at"]), browse_desk(app), window, params["q"]
            )
        except UsageError as error:
            return _error(str(error), 400)
        return _json({"services": found, "teams": teams})

    async def answer_api(request: Request) -> Response:
        try:
            body = await read_body(request, limit=BODY_LIMIT)
        except BodyTooLargeError:
            return _error(f"the question is over {BODY_LIMIT:,} bytes", 413)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return _error('send {"text": "deps checkout"}', 400)
        shown = await run_in_threadpool(preview, preview_desk(app), data["text"], now_s=app.now())
        return _json(
            {
                "blocks": shown.blocks,
                "html": str(blocks_html(shown.blocks)),
                "ephemeral": shown.ephemeral,
                "picture": shown.picture,
                "no_picture": shown.no_picture,
                "stale": shown.stale,
            }
        )

    async def incidents_api(_: Request) -> Response:
        found = await run_in_threadpool(incidents.latest, INCIDENTS_SHOWN)
        return _json({"incidents": found})

    return [
        Route("/", page, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/api/map", map_api, methods=["GET"]),
        Route("/api/search", search_api, methods=["GET"]),
        Route("/api/series", _series_endpoint(app), methods=["GET"]),
        Route("/api/times", _times_endpoint(app), methods=["GET"]),
        Route("/api/answer", answer_api, methods=["POST"]),
        Route("/api/incidents", incidents_api, methods=["GET"]),
    ]


def query_params(request: Request, *names: str) -> dict[str, str]:
    """The named query parameters ("" when absent); `UsageError` when one is too long."""
    found = {}
    for name in names:
        value = request.query_params.get(name, "").strip()
        if len(value) > QUERY_LIMIT:
            raise UsageError(f"{name} is {len(value):,} characters; at most {QUERY_LIMIT}")
        found[name] = value
    return found


def _series_endpoint(app: App) -> Callable[[Request], Awaitable[Response]]:
    """`GET /api/series?service=&at=&hours=`: a service's series for the drill-down.

    Or `?parent=&child=&at=&hours=`: the series of the calls from one to the other.
    """

    async def series_api(request: Request) -> Response:
        try:
            named, at, hours = _series_params(request)
            if isinstance(named, str):
                found = await run_in_threadpool(
                    partial(service_over_time, at=at, hours=hours, now_s=app.now()),
                    browse_desk(app),
                    named,
                )
            else:
                found = await run_in_threadpool(
                    partial(edge_over_time, at=at, hours=hours, now_s=app.now()),
                    call_desk(app),
                    *named,
                )
        except (UnknownServiceError, UnknownCallError) as error:
            return _error(str(error), 404)
        except UsageError as error:
            return _error(str(error), 400)
        except SvcmapError as error:
            return _error(str(error), 503)
        return _json(found)

    return series_api


def _times_endpoint(app: App) -> Callable[[Request], Awaitable[Response]]:
    """`GET /api/times`: what the store holds and when incidents opened, for the slider."""

    async def times_api(_: Request) -> Response:
        try:
            found = await run_in_threadpool(
                partial(stored_times, retention=app.settings.retention, now_s=app.now()),
                app.store,
                app.incidents,
            )
        except SvcmapError as error:
            return _error(str(error), 503)
        return _json(found)

    return times_api


def _series_params(request: Request) -> tuple[str | tuple[str, str], int | None, int]:
    """The service, or the caller and callee, a series is asked of; its time and hours."""
    params = query_params(request, "service", "parent", "child", "at", "hours")
    named: str | tuple[str, str] = params["service"]
    if not named and params["parent"] and params["child"]:
        named = (params["parent"], params["child"])
    if not named:
        raise UsageError(
            "name a service or a call: /api/series?service=checkout, "
            "/api/series?parent=checkout&child=payment"
        )
    at = parse_time(params["at"]) if params["at"] else None
    hours = _whole(params["hours"], "hours") if params["hours"] else SERIES_HOURS
    return named, at, hours


def _whole(value: str, name: str) -> int:
    """`value` as a whole number; `UsageError` naming `name` when it is not one."""
    if not value.isdigit() or len(value) > WHOLE_DIGITS:
        raise UsageError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _window(app: App, params: dict[str, str]) -> Window:
    at = parse_time(params["at"]) if params["at"] else None
    length = parse_duration(params["window"]) if params["window"] else None
    return Window.ending_at(at, length, now=app.now())


def _json(data: dict[str, object]) -> Response:
    return JSONResponse(data, headers=SECURITY_HEADERS)


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status, headers=SECURITY_HEADERS)
