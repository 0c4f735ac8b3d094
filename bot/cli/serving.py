"""`svcmap serve`: the one HTTP server process (OTLP, alert webhook, health, metrics)."""

from __future__ import annotations

import argparse
import logging
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

import slack_bolt
import uvicorn
from slack_bolt.adapter.socket_mode import SocketModeHandler
from starlette.applications import Starlette

from bot.adapters.paging.journal import FOLDER, POSTS_FOLDER, Journal, journal_dir
from bot.adapters.store.outbox import AlertOutbox
from bot.alert_workers import AlertWorkers
from bot.bootstrap import App, build_receiver
from bot.dispatcher import Dispatcher
from bot.logs import log_to_stderr
from bot.scheduler import default_holder, settle, start_refresher
from bot.settings import HTTP_HEADER_TIMEOUT_S, HTTP_MAX_CONNECTIONS, data_home
from bot.slack.answer_processes import AnswerProcesses
from bot.slack.bolt import build_bolt, conversation_of
from bot.usecases.deliveries import Deliveries
from bot.web.app import create_app
from bot.web.connections import ConnectionLimits
from bot.web.exposure import exposure_problem
from topology import gcpause
from topology.errors import UsageError

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001
GRACE_S = 5
"""How long the server waits for the requests in flight once told to stop."""
LEAVE_WAIT_S = 1.0
"""How long stopping waits for other threads' work once its own is done."""
STOP_DEADLINE_S = 9.0
"""How long after SIGTERM or SIGINT the process ends, whatever is still running then."""
WORKERS_WAIT_S = 5.0
"""How long stopping waits at most for the alert workers' notifications in hand."""
RELEASE_S = 2.0
"""Kept before the deadline to release what the workers did not finish, and stop the rest."""
ACCEPT_BACKLOG = 128
"""Connections the kernel queues for serve to accept (uvicorn's default: 2,048).

The event loop accepts up to this many at once, before any of them is counted against
the cap, and may do so two or three times over before the cap closes the ones too many:
so many descriptors are kept free for them.
"""
FILES_KEPT = 64 + 3 * ACCEPT_BACKLOG
"""Open files kept beside the connections: the store, logs, pipes to the answer workers
(64), and the connections accepted before the cap counts them."""
MIN_CONNECTIONS = 16


def tune_for_serving() -> None:
    """Tune the interpreter of a process that serves: its thread switches and collector.

    Threads here do CPU work too (the web view, alerts; answers, without worker
    processes): a shorter switch interval lets a waiting request (an ack Slack expects
    within 3 s) take the interpreter lock sooner. The cycle collector runs as a process
    holding a map for many questions needs it to (`gcpause.serving`).
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gcpause.serving()


def run_serve_command(app: App, args: argparse.Namespace) -> int:
    """Serve until interrupted (SIGINT or SIGTERM); return the exit status."""
    log_to_stderr()
    tune_for_serving()
    host = args.host or app.settings.http_host
    refuse_unguarded(app, host)
    holder = default_holder()
    dispatcher = Dispatcher(
        app,
        holder=holder,
        deliveries=kept_deliveries(app, holder),
        posts=kept_deliveries(app, holder, kind="post"),
    )
    bolt, answers = start_slack(app, wake=dispatcher.wake)
    receiver = build_receiver(app)
    workers = alert_workers(app, holder=holder, wake_sender=dispatcher.wake)
    limits = connection_limits(app)
    config = server_config(
        create_app(
            app,
            slack=bolt,
            wake=dispatcher.wake,
            receiver=receiver,
            listen_host=host,
            alert_workers=workers,
            closed=limits.counts,
        ),
        host=host,
        port=args.port if args.port is not None else app.settings.http_port,
        grace_s=GRACE_S,
        limits=limits,
    )
    refresher = start_refresher(app, holder=holder, receiver=receiver)
    dispatcher.start()
    workers.start()
    socket = start_socket_mode(app, bolt)
    told_at = None
    try:
        told_at = serve_until_stopped(config)
    finally:
        if socket is not None:
            socket.close()  # type: ignore[no-untyped-call]
        now = time.monotonic()
        workers.stop(timeout_s=workers_wait(now if told_at is None else told_at, now))
        dispatcher.stop()
        refresher.shutdown(wait=False)
        settle(receiver, everything=True)
        if answers is not None:
            answers.close()
        _leave_background_work(app)
    return 0


def kept_deliveries(app: App, holder: str, *, kind: str = "page") -> Deliveries:
    """The sender's notes of pages (or posts) sent, in a journal on disk when one can be opened."""
    folder = POSTS_FOLDER if kind == "post" else FOLDER
    directory = journal_dir(app.settings.database_url, data_home=data_home(), folder=folder)
    if directory is None:
        return Deliveries(kind=kind)
    try:
        return Deliveries(Journal(directory, holder), kind=kind)
    except OSError as error:
        log.warning("%ss sent are remembered in memory only (no journal): %s", kind, error)
        return Deliveries(kind=kind)


def alert_workers(app: App, *, holder: str, wake_sender: Callable[[], None]) -> AlertWorkers:
    """The workers recording the notifications the webhook queues, waking the sender."""
    return AlertWorkers(
        app,
        AlertOutbox(app.engine),
        holder=holder,
        count=app.settings.alert_workers,
        limit=app.settings.alert_queue_limit,
        wake_sender=wake_sender,
        lease_s=app.settings.alert_lease,
    )


def refuse_unguarded(app: App, host: str) -> None:
    """Raise `UsageError` when listening on `host` would serve surfaces nobody guards."""
    problem = exposure_problem(app.settings, host)
    if problem:
        raise UsageError(problem)


def _leave_background_work(app: App, *, wait_s: float = LEAVE_WAIT_S) -> None:
    """End the process now if other threads' work outlasts `wait_s`.

    Such as a refresh stuck on a source: what had to be stored is, and a pass left
    unfinished is read again by the next server.
    """
    deadline = time.monotonic() + wait_s
    for thread in _background_threads():
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [thread.name for thread in _background_threads() if thread.is_alive()]
    if left:
        log.warning("stopped without waiting for: %s", ", ".join(left))
        app.close()
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)


def _background_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]


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


def workers_wait(told_at: float, now: float) -> float:
    """How long the alert workers may take to stop, told to stop at `told_at` (monotonic).

    Up to `WORKERS_WAIT_S`, less whatever makes it end later than `RELEASE_S` before the
    deadline (requests in flight took their grace), so that a notification still in hand
    is released before the process is ended.
    """
    left = STOP_DEADLINE_S - RELEASE_S - (now - told_at)
    return max(0.0, min(WORKERS_WAIT_S, left))


def serve_until_stopped(config: uvicorn.Config) -> float:
    """Run uvicorn until SIGINT or SIGTERM, then return when it was told to stop (monotonic).

    uvicorn shuts down gracefully on either signal, then raises it again for the handler
    it found; SIGTERM's default handler would end the process before any `finally`.
    """
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if on_main else None
    server = _Server(config)
    try:
        server.run()
    except (_Terminated, KeyboardInterrupt):
        pass
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)
    return server.told_at if server.told_at is not None else time.monotonic()


class _Server(uvicorn.Server):
    """uvicorn's server, which ends the process `STOP_DEADLINE_S` after being told to stop.

    Stopping waits for requests, the answer workers and the pending writes, each for a
    while; a request stuck on a hung database, or a refresh on a hung source, would
    otherwise keep the process from exiting.
    """

    told_at: float | None = None
    """When it was first told to stop (monotonic)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            self.told_at = time.monotonic()
            threading.Thread(target=_end_by_deadline, name="svcmap-stop", daemon=True).start()
        super().handle_exit(sig, frame)


def _end_by_deadline() -> None:
    time.sleep(STOP_DEADLINE_S)
    log.error("still stopping %.0f s after being told to; ending now", STOP_DEADLINE_S)
    logging.shutdown()
    os._exit(1)


def connection_limits(app: App) -> ConnectionLimits:
    """The deadline on request headers and the cap on open connections the settings ask.

    The cap is kept below what the process may open (`open_files_for`), less
    `FILES_KEPT`: a connection past that would be refused for want of a descriptor
    before the cap made room for it.
    """
    settings = app.settings
    wanted = settings.http_max_connections
    room = open_files_for(wanted + FILES_KEPT) - FILES_KEPT
    if room < wanted:
        log.warning(
            "at most %d connections at once, not SVCMAP_HTTP_MAX_CONNECTIONS=%d: the process "
            "may open %d files (ulimit -n), %d of them kept for the store, logs, workers and "
            "connections being accepted",
            max(room, MIN_CONNECTIONS),
            wanted,
            room + FILES_KEPT,
            FILES_KEPT,
        )
    return ConnectionLimits(
        header_timeout_s=settings.http_header_timeout,
        max_connections=max(MIN_CONNECTIONS, min(wanted, room)),
    )


def open_files_for(wanted: int) -> int:
    """How many files the process may open, raised towards `wanted` as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted
    raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if raised > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        except (ValueError, OSError):
            return soft
        return raised
    return soft


def server_config(
    asgi: Starlette,
    *,
    host: str,
    port: int,
    grace_s: int = 10,
    limits: ConnectionLimits | None = None,
) -> uvicorn.Config:
    """The one way svcmap runs uvicorn: no access log, no server header, no lifespan.

    HTTP/1.1 is read by h11 with a deadline on each request's headers and a cap on open
    connections (`bot.web.connections`): `limits`, else the settings' defaults.
    """
    limits = limits or ConnectionLimits(
        header_timeout_s=HTTP_HEADER_TIMEOUT_S, max_connections=HTTP_MAX_CONNECTIONS
    )
    return uvicorn.Config(
        asgi,
        host=host,
        port=port,
        http=limits.protocol(),
        backlog=ACCEPT_BACKLOG,
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
