"""`POST /slack/events`: Slack's commands, button presses and events, into the Bolt app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import slack_bolt
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.web.body import BodyTooLargeError, read_body

BODY_LIMIT = 1024 * 1024
"""Slack's payloads are a few kilobytes; anything near a megabyte is not from Slack."""


def slack_endpoint(bolt: slack_bolt.App) -> Callable[[Request], Awaitable[Response]]:
    """The route handler: verify and dispatch in a worker thread, answer with Bolt's ack."""

    async def events(request: Request) -> Response:
        try:
            body = await read_body(request, limit=BODY_LIMIT)
        except BodyTooLargeError:
            return PlainTextResponse("request body too large\n", 413)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return PlainTextResponse("request body is not UTF-8\n", 400)
        bolt_request = to_bolt_request(request, body)
        answer = await run_in_threadpool(bolt.dispatch, bolt_request)
        return to_starlette_response(answer)

    return events
