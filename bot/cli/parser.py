"""The `svcmap` argument parser: the shared questions plus the operator's commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.alerting import add_alert_commands
from bot.cli.compacting import add_compact_command
from bot.cli.demo import add_demo_command
from bot.cli.refreshing import add_refresh_commands
from bot.cli.serving import add_serve_command
from bot.commands import add_incident_options, add_questions, add_when_options
from topology.parsing import TraceFormat


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

    add_alert_commands(commands)
    add_refresh_commands(commands)
    add_compact_command(commands)
    add_serve_command(commands)
    add_demo_command(commands)
    add_questions(commands)
    return parser
