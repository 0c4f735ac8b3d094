"""`svcmap serve`: the one HTTP server process (OTLP, alert webhook, health, metrics)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from bot.bootstrap import App
from bot.dispatcher import Dispatcher
from bot.scheduler import default_holder, start_refresher
from bot.web.app import create_app


def add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve` to the `svcmap` subcommands."""
    serve = commands.add_parser(
        "serve",
        help="run the HTTP server: OTLP/HTTP traces, the Alertmanager webhook, health, metrics",
    )
    serve.add_argument("--host", help="address to listen on (default: SVCMAP_HTTP_HOST)")
    serve.add_argument(
        "--port", type=int, help="port to listen on (default: SVCMAP_HTTP_PORT, 8080)"
    )


def log_to_stderr() -> None:
    """Show svcmap's own log lines (alerts, pages, refreshes) from INFO up on stderr.

    Only svcmap's loggers: the HTTP client's request lines name full URLs.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("bot", "topology"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False


def run_serve_command(app: App, args: argparse.Namespace) -> int:
    """Serve until interrupted (SIGINT or SIGTERM); return the exit status."""
    log_to_stderr()
    holder = default_holder()
    dispatcher = Dispatcher(app, holder=holder)
    config = uvicorn.Config(
        create_app(app, wake=dispatcher.wake),
        host=args.host or app.settings.http_host,
        port=args.port if args.port is not None else app.settings.http_port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
        log_level="info",
        timeout_graceful_shutdown=10,
    )
    refresher = start_refresher(app, holder=holder)
    dispatcher.start()
    try:
        uvicorn.Server(config).run()
    finally:
        dispatcher.stop()
        if refresher is not None:
            refresher.shutdown(wait=False)
    return 0
