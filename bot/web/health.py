"""Liveness (`/livez`: the process answers), readiness (`/readyz`, `/healthz`: its database does).

An orchestrator restarts a process that fails liveness and stops routing to one that
fails readiness: a database that is gone makes every replica unready, none restarted.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.bootstrap import App

READY_TIMEOUT_S = 2.0
"""How long readiness waits for the database's answer before calling it unavailable."""


async def livez(_: Request) -> Response:
    """The process is alive and its event loop answers; the database is not asked."""
    return JSONResponse({"status": "ok"})


class Readiness:
    """Readiness: whether a trivial query answers within `timeout_s`.

    One query is in flight at a time: while the database hangs, later probes wait for the
    same query instead of each holding another worker thread.
    """

    def __init__(self, app: App, *, timeout_s: float = READY_TIMEOUT_S) -> None:
        self._app = app
        self._timeout_s = timeout_s
        self._pending: asyncio.Future[str | None] | None = None

    async def endpoint(self, _: Request) -> Response:
        """200 when the database answers in time, else 503 with the reason."""
        problem = await self.problem()
        if problem is not None:
            return JSONResponse({"status": "unavailable", "reason": problem}, 503)
        return JSONResponse({"status": "ok"})

    async def problem(self) -> str | None:
        """Why the database cannot be used now, or None when it answers in time."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(run_in_threadpool(database_problem, self._app))
        try:
            return await asyncio.wait_for(asyncio.shield(self._pending), self._timeout_s)
        except TimeoutError:
            return f"database did not answer within {self._timeout_s:g}s"


def database_problem(app: App) -> str | None:
    """Why the database cannot be used, or None when a trivial query answers."""
    try:
        with app.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return f"database unreachable: {type(error).__name__}"
    return None
