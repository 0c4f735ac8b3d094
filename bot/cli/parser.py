"""The `svcmap` argument parser: the shared questions plus the operator's commands.

It imports no command's module: `main` imports a command's module only to run it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands import add_incident_options, add_questions, add_when_options
from bot.demo.shop import DEFAULT_SEED
from topology.trace_formats import TraceFormat


def build_parser() -> argparse.ArgumentParser:
    """The full `svcmap` parser."""
    parser = argparse.ArgumentParser(
        prog="svcmap",
        description="A live map of which service calls which, built from traces.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: SVCMAP_DATABASE_URL or a local SQLite file)",
    )
    parser.add_argument(
        "--catalog",
        metavar="FILE",
        type=Path,
        help="ownership catalog YAML (default: SVCMAP_CATALOG_FILE)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    importer = commands.add_parser("import", help="import Jaeger, Zipkin or OTLP JSON trace files")
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument(
        "--format",
        choices=[f.value for f in TraceFormat],
        help="force the format instead of detecting it",
    )
    importer.add_argument("--json", action="store_true", help="print JSON instead of text")

    edges = commands.add_parser("edges", help="list the edges and their numbers")
    add_when_options(edges)

    rca = commands.add_parser("rca", help="rank the likely root causes of a symptom")
    rca.add_argument("service", nargs="?", metavar="SVC", help="the service showing the symptom")
    rca.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE",
        help="rank from this incident snapshot (svcmap-snapshot/1) alone, not the store",
    )
    rca.add_argument("--symptom", metavar="SVC", help="the same as SVC")
    add_incident_options(rca)
    rca.add_argument("--json", action="store_true", help="print JSON instead of text")

    snapshot = commands.add_parser("snapshot", help="incident snapshots, for replay and review")
    snapshot_commands = snapshot.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = snapshot_commands.add_parser(
        "export", help="write the graph and health series around an incident (JSON)"
    )
    export.add_argument("service", nargs="?", metavar="SVC", help="the service showing the symptom")
    export.add_argument(
        "--incident",
        type=int,
        metavar="ID",
        help="write the snapshot saved with incident ID (see svcmap incidents) instead",
    )
    add_incident_options(export)
    export.add_argument(
        "--output",
        "-o",
        default="-",
        metavar="FILE",
        help="write it to FILE (default -, the standard output)",
    )
    export.add_argument(
        "--anonymise",
        "--anonymize",
        action="store_true",
        help="replace every name by a keyed pseudonym (SVCMAP_ANONYMISE_KEY), drop free text",
    )

    add_alert_commands(commands)
    add_refresh_commands(commands)
    add_compact_command(commands)
    add_serve_command(commands)
    add_demo_command(commands)
    add_questions(commands)
    return parser


def add_alert_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `incidents`, `pages` and `warnings` to the `svcmap` subcommands."""
    incidents = commands.add_parser("incidents", help="list the incidents alerts opened")
    incidents.add_argument("--limit", type=int, default=20, metavar="N", help="newest N (20)")
    incidents.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sent = commands.add_parser("pages", help="list the pages and posts, sent or not, and why")
    sent.add_argument("--incident", type=int, metavar="ID", help="only those of incident ID")
    sent.add_argument("--limit", type=int, default=50, metavar="N", help="newest N of each (50)")
    sent.add_argument("--json", action="store_true", help="print JSON instead of tables")
    warned = commands.add_parser("warnings", help="list the early warnings, open ones first")
    warned.add_argument("--all", action="store_true", help="closed ones too")
    warned.add_argument("--json", action="store_true", help="print JSON instead of a table")


def add_refresh_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `refresh` and `sources` to the `svcmap` subcommands."""
    refresh = commands.add_parser("refresh", help="pull every configured source once, now")
    refresh.add_argument("--json", action="store_true", help="print JSON instead of text")
    sources = commands.add_parser("sources", help="show each source's last pull, lag and error")
    sources.add_argument("--json", action="store_true", help="print JSON instead of text")


def add_compact_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `compact` to the `svcmap` subcommands."""
    compact = commands.add_parser(
        "compact",
        help="roll minutes and hours past their retention into hours and days; drop old days",
    )
    compact.add_argument("--json", action="store_true", help="print JSON instead of text")
    commands.add_parser(
        "migrate", help="migrate the store to the newest schema (as every command does first)"
    )


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


def add_demo_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `demo` (and its `break`, `heal` and `status`) to the `svcmap` subcommands."""
    demo = commands.add_parser(
        "demo", help="run svcmap with a simulated online shop feeding it; open the web view"
    )
    demo.add_argument("--host", help="address to listen on (default: SVCMAP_HTTP_HOST)")
    _port(demo)
    demo.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    demo.add_argument("--rate", type=float, default=2.0, help="shop requests per second")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed of the shop")
    demo.add_argument(
        "--history", default="30m", help="healthy traffic to send at start (default 30m)"
    )
    actions = demo.add_subparsers(dest="action", metavar="ACTION")
    broken = actions.add_parser("break", help="make a service of the running demo fail or slow")
    broken.add_argument("service", metavar="SVC")
    broken.add_argument("--errors", default=None, help="share of requests that fail, like 30%%")
    broken.add_argument(
        "--latency", default=None, help="latency added, like 800ms, or a ramp, like 5ms/min"
    )
    broken.add_argument(
        "--network", default=None, help="delay on the network into it (callers see it), like 500ms"
    )
    broken.add_argument(
        "--exceptions",
        default=None,
        help="share of requests that log an exception but are answered as usual, like 30%%",
    )
    _port(broken, after_action=True)
    _port(
        actions.add_parser("heal", help="clear every fault of the running demo"), after_action=True
    )
    status = actions.add_parser("status", help="the running demo's time, faults and alerts")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    _port(status, after_action=True)


def _port(parser: argparse.ArgumentParser, *, after_action: bool = False) -> None:
    # After an action (`demo status --port N`) no default: one would overwrite the port
    # given before it (`demo --port N status`).
    default = argparse.SUPPRESS if after_action else None
    parser.add_argument(
        "--port", type=int, default=default, help="port (default: SVCMAP_HTTP_PORT, 8080)"
    )
