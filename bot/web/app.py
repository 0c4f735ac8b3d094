"""The web app factory: every route of `svcmap serve`, over one built `App`."""

from __future__ import annotations

from collections.abc import Sequence

import slack_bolt
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import App
from bot.web.metrics import RequestCounter, WebMetrics
from bot.web.otlp import traces_endpoint
from bot.web.slack import slack_endpoint


def create_app(
    app: App, *, slack: slack_bolt.App | None = None, extra: Sequence[BaseRoute] = ()
) -> Starlette:
    """A Starlette app answering `/healthz`, `/metrics`, `/v1/traces` and `/slack/events`.

    `extra` routes are added as they are (the demo's control).
    """
    metrics = WebMetrics()

    async def healthz(_: Request) -> Response:
        problem = await run_in_threadpool(database_problem, app)
        if problem is not None:
            return JSONResponse({"status": "unavailable", "reason": problem}, 503)
        return JSONResponse({"status": "ok"})

    async def prometheus(_: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def index(_: Request) -> Response:
        return PlainTextResponse("svcmap: POST OTLP traces to /v1/traces; see /healthz, /metrics\n")

    routes: list[BaseRoute] = [
        *extra,
        Route("/", index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
        Route("/v1/traces", traces_endpoint(app, metrics), methods=["POST"]),
    ]
    secret = app.settings.slack_signing_secret
    if slack is not None and secret is not None:
        endpoint = slack_endpoint(slack, secret.get_secret_value())
        routes.append(Route("/slack/events", endpoint, methods=["POST"]))
    return Starlette(routes=routes, middleware=[Middleware(RequestCounter, metrics=metrics)])


def database_problem(app: App) -> str | None:
    """Why the database cannot be used, or None when a trivial query answers."""
    try:
        with app.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return f"database unreachable: {type(error).__name__}"
    return None
