"""`svcmap serve`: the one HTTP server process (OTLP/HTTP receiver, health, metrics)."""

from __future__ import annotations

import argparse

import uvicorn

from bot.bootstrap import App
from bot.scheduler import default_holder, start_refresher
from bot.web.app import create_app


def add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve` to the `svcmap` subcommands."""
    serve = commands.add_parser(
        "serve", help="run the HTTP server: OTLP/HTTP traces at /v1/traces, /healthz, /metrics"
    )
    serve.add_argument("--host", help="address to listen on (default: SVCMAP_HTTP_HOST)")
    serve.add_argument(
        "--port", type=int, help="port to listen on (default: SVCMAP_HTTP_PORT, 8080)"
    )


def run_serve_command(app: App, args: argparse.Namespace) -> int:
    """Serve until interrupted (SIGINT or SIGTERM); return the exit status."""
    config = uvicorn.Config(
        create_app(app),
        host=args.host or app.settings.http_host,
        port=args.port if args.port is not None else app.settings.http_port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
        log_level="info",
        timeout_graceful_shutdown=10,
    )
    refresher = start_refresher(app, holder=default_holder())
    try:
        uvicorn.Server(config).run()
    finally:
        refresher.shutdown(wait=False)
    return 0
