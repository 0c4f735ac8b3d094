"""The web view's risk and early warning panels: `/risk` and `/warnings`, and their JSON.

`/risk?at=&window=&min_share=` shows the map's weak points as `svcmap risk` answers them
(`/api/risk` the same as JSON); `/warnings?all=1` the early warnings kept, open ones
first, as `svcmap warnings` lists them (`/api/warnings`). Pages are drawn on the server,
every name escaped by the template; they need no script.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.bootstrap import App, ask_desk
from bot.cli.warnings import kept_warnings, warning_dict
from bot.commands import parse_share
from bot.questions import Risk
from bot.render.templating import templates_dir
from bot.usecases.asking import ask
from bot.web.view import SECURITY_HEADERS, query_params
from topology.errors import SvcmapError, UsageError
from topology.timespec import format_duration, format_time, parse_duration, parse_time

RISK_LIMIT = 10
"""The most entries each risk list shows."""
WARNINGS_SHOWN = 500
"""The most warnings a page lists (newest first, open ones before)."""

Handler = Callable[[Request], Awaitable[Response]]


@cache
def _pages() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "web"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    # Helpers, not filters: every template is also compiled by the text environment.
    environment.globals.update(percent=_percent, when=_when, duration=_duration)
    return environment


def _percent(share: object) -> str:
    return f"{100 * float(str(share)):.1f}%"


def _when(at: object) -> str:
    return "" if at is None else format_time(int(str(at)))


def _duration(seconds: object) -> str:
    return "" if seconds is None else format_duration(int(str(seconds)))


def panel_routes(app: App) -> list[Route]:
    """The risk and warning panels, pages and JSON."""
    risk, warnings = _risk(app), _warnings(app)
    return [
        Route("/risk", _page(risk, "risk.html.j2"), methods=["GET"]),
        Route("/api/risk", _api(risk), methods=["GET"]),
        Route("/warnings", _page(warnings, "warnings.html.j2"), methods=["GET"]),
        Route("/api/warnings", _api(warnings), methods=["GET"]),
    ]


Reader = Callable[[Request], dict[str, object]]
"""Reads what a panel shows for a request (in a worker thread); `UsageError` for bad input."""


def _risk(app: App) -> Reader:
    def read(request: Request) -> dict[str, object]:
        params = query_params(request, "at", "window", "min_share")
        question = Risk(
            at=parse_time(params["at"]) if params["at"] else None,
            window=parse_duration(params["window"]) if params["window"] else None,
            min_share=parse_share(params["min_share"], name="min_share")
            if params["min_share"]
            else None,
            limit=RISK_LIMIT,
            json=True,
        )
        answer = ask(ask_desk(app), question)
        texts = {name: window.describe() for name, window in answer.windows.items()}
        return {**answer.to_dict(), "window_text": texts}

    return read


def _warnings(app: App) -> Reader:
    def read(request: Request) -> dict[str, object]:
        every = query_params(request, "all")["all"] not in ("", "0", "false", "no")
        now = app.now()
        kept = kept_warnings(app, every=every)
        shown = [warning_dict(warning, now) for warning in kept[:WARNINGS_SHOWN]]
        return {"all": every, "warnings": shown, "more": max(0, len(kept) - WARNINGS_SHOWN)}

    return read


def _page(read: Reader, template: str) -> Handler:
    async def page(request: Request) -> Response:
        try:
            data = await run_in_threadpool(read, request)
        except UsageError as error:
            return _html(_pages().get_template("panel_error.html.j2").render(error=error), 400)
        except SvcmapError as error:
            return _html(_pages().get_template("panel_error.html.j2").render(error=error), 503)
        return _html(_pages().get_template(template).render(**data), 200)

    return page


def _api(read: Reader) -> Handler:
    async def api(request: Request) -> Response:
        try:
            data = await run_in_threadpool(read, request)
        except UsageError as error:
            return _error(str(error), 400)
        except SvcmapError as error:
            return _error(str(error), 503)
        return JSONResponse(data, headers=SECURITY_HEADERS)

    return api


def _html(html: str, status: int) -> Response:
    headers = {**SECURITY_HEADERS, "cache-control": "no-store"}
    return HTMLResponse(html, status, headers=headers)


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status, headers=SECURITY_HEADERS)
