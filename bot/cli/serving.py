"""`svcmap serve`: the one HTTP server process (OTLP, alert webhook, health, metrics)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

import slack_bolt
import uvicorn
from slack_bolt.adapter.socket_mode import SocketModeHandler
from starlette.applications import Starlette

from bot.bootstrap import App
from bot.dispatcher import Dispatcher
from bot.logs import log_to_stderr
from bot.scheduler import default_holder, settle, start_refresher
from bot.slack.answer_processes import AnswerProcesses
from bot.slack.bolt import build_bolt, conversation_of
from bot.usecases.receiving import Receiver
from bot.web.app import create_app

SWITCH_INTERVAL_S = 0.001


def run_serve_command(app: App, args: argparse.Namespace) -> int:
    """Serve until interrupted (SIGINT or SIGTERM); return the exit status."""
    log_to_stderr()
    # Threads here do CPU work too (the web view, alerts; answers, without worker
    # processes): a shorter switch interval lets a waiting request (an ack Slack expects
    # within 3 s) take the interpreter lock sooner.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    holder = default_holder()
    dispatcher = Dispatcher(app, holder=holder)
    bolt, answers = start_slack(app, wake=dispatcher.wake)
    receiver = Receiver(app)
    config = server_config(
        create_app(app, slack=bolt, wake=dispatcher.wake, receiver=receiver),
        host=args.host or app.settings.http_host,
        port=args.port if args.port is not None else app.settings.http_port,
    )
    refresher = start_refresher(app, holder=holder, receiver=receiver)
    dispatcher.start()
    socket = start_socket_mode(app, bolt)
    try:
        serve_until_stopped(config)
    finally:
        if socket is not None:
            socket.close()  # type: ignore[no-untyped-call]
        dispatcher.stop()
        refresher.shutdown(wait=False)
        settle(receiver, everything=True)
        if answers is not None:
            answers.close()
    return 0


def start_slack(
    app: App, *, wake: Callable[[], None]
) -> tuple[slack_bolt.App | None, AnswerProcesses | None]:
    """The Bolt app when Slack is on, and the worker processes answering its questions."""
    if not app.settings.slack_enabled:
        return None, None
    workers = app.settings.slack_answer_processes
    answers = AnswerProcesses(app, conversation_of(app), workers=workers) if workers else None
    try:
        return build_bolt(app, wake=wake, answers=answers), answers
    except BaseException:
        if answers is not None:
            answers.close()
        raise


class _Terminated(Exception):  # noqa: N818 - named for the signal, not an error
    """Raised by the SIGTERM handler, so that cleanup runs instead of the process dying."""


def _terminated(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def serve_until_stopped(config: uvicorn.Config) -> None:
    """Run uvicorn until SIGINT or SIGTERM, then return, so the caller's cleanup runs.

    uvicorn shuts down gracefully on either signal, then raises it again for the handler
    it found; SIGTERM's default handler would end the process before any `finally`.
    """
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if on_main else None
    try:
        uvicorn.Server(config).run()
    except (_Terminated, KeyboardInterrupt):
        pass
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)


def server_config(asgi: Starlette, *, host: str, port: int, grace_s: int = 10) -> uvicorn.Config:
    """The one way svcmap runs uvicorn: no access log, no server header, no lifespan."""
    return uvicorn.Config(
        asgi,
        host=host,
        port=port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
        log_level="info",
        timeout_graceful_shutdown=grace_s,
    )


def start_socket_mode(app: App, bolt: slack_bolt.App | None) -> SocketModeHandler | None:
    """Connect to Slack over Socket Mode when an app-level token is set; None otherwise."""
    token = app.settings.slack_app_token
    if bolt is None or token is None:
        return None
    handler = SocketModeHandler(bolt, app_token=token.get_secret_value(), web_client=app.slack)
    handler.connect()  # type: ignore[no-untyped-call]
    return handler
