"""`POST /slack/events`: Slack's commands, button presses and events, into the Bolt app."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import slack_bolt
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bot.web.body import BodyTooLargeError, read_body

log = logging.getLogger(__name__)

BODY_LIMIT = 1024 * 1024
"""Slack's payloads are a few kilobytes; anything near a megabyte is not from Slack."""
REPLAY_WINDOW_S = 5 * 60
"""Requests signed longer ago than this are refused; within it, a signature counts once."""
REPLAYS_KEPT = 100_000
"""Signatures remembered at most, however busy the window."""


class ReplayGuard:
    """Signatures seen in the last `REPLAY_WINDOW_S`: a second delivery of one is a replay."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, signature: str) -> bool:
        """Whether `signature` is new; remember it either way."""
        now = self._clock()
        with self._lock:
            while self._seen and (
                len(self._seen) >= REPLAYS_KEPT
                or next(iter(self._seen.values())) < now - REPLAY_WINDOW_S
            ):
                self._seen.popitem(last=False)
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True


def slack_endpoint(
    bolt: slack_bolt.App, signing_secret: str
) -> Callable[[Request], Awaitable[Response]]:
    """The route handler: verify, refuse replays, dispatch in a worker thread, answer the ack.

    The signature and its timestamp are checked here and again by Bolt; a request whose
    valid signature was already seen is a replay and is refused too.
    """
    verifier = SignatureVerifier(signing_secret)
    replays = ReplayGuard()

    async def events(request: Request) -> Response:
        try:
            body = await read_body(request, limit=BODY_LIMIT)
            text = body.decode("utf-8")
        except BodyTooLargeError:
            return PlainTextResponse("request body too large\n", 413)
        except UnicodeDecodeError:
            return PlainTextResponse("request body is not UTF-8\n", 400)
        signature = request.headers.get("x-slack-signature", "")
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        well_formed = timestamp.isdigit() and len(timestamp) <= 12  # noqa: PLR2004 -- Unix s
        if not well_formed or not verifier.is_valid(text, timestamp, signature):
            return JSONResponse({"error": "invalid request signature"}, 401)
        if not replays.first_time(signature):
            return JSONResponse({"error": "replayed request"}, 401)
        bolt_request = readable(request, body)
        if isinstance(bolt_request, str):
            log.warning("refused a Slack payload: %s", bolt_request)
            return JSONResponse({"error": f"malformed Slack payload: {bolt_request}"}, 400)
        answer = await run_in_threadpool(_dispatch, bolt, bolt_request)
        return to_starlette_response(answer)

    return events


def readable(request: Request, body: bytes) -> BoltRequest | str:
    """The request for Bolt, or what is wrong with a payload Bolt would trip over."""
    try:
        bolt_request = to_bolt_request(request, body)
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        return f"cannot be read ({type(error).__name__})"
    payload: object = bolt_request.body  # typed a dict, but it is whatever JSON was sent
    if not isinstance(payload, dict):
        return "not an object"
    if payload.get("type") == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            return "block_actions without a list of actions"
    return bolt_request


def _dispatch(bolt: slack_bolt.App, request: BoltRequest) -> BoltResponse:
    """Bolt's answer; a payload of a shape Bolt trips over is refused, not a server error."""
    try:
        return bolt.dispatch(request)
    except Exception as error:  # noqa: BLE001 -- listeners only ack; this is the payload
        log.warning("refused a Slack payload of an unexpected shape: %s", type(error).__name__)
        return BoltResponse(status=400, body='{"error": "malformed Slack payload"}')
