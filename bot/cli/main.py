"""`svcmap`: parse the command line, build the app once, run one use case, print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from bot.bootstrap import App, build_app
from bot.cli.alerting import list_incidents, list_sent
from bot.cli.compacting import run_compact_command
from bot.cli.demo import run_demo_command
from bot.cli.incidents import export_snapshot, rca_from_file, rca_from_store
from bot.cli.parser import build_parser
from bot.cli.questions import answer_question
from bot.cli.refreshing import run_refresh_command
from bot.cli.serving import run_serve_command
from bot.commands import QUESTIONS
from bot.render.templating import render
from bot.settings import load_settings
from bot.usecases.importing import import_file
from bot.usecases.listing import edge_to_dict, list_edges
from bot.usecases.refresh import refresh_catalog
from bot.usecases.windows import Window
from topology.errors import SvcmapError, TraceFormatError, UsageError
from topology.parsing import TraceFormat

EXIT_ERROR = 1
EXIT_USAGE = 2
NEEDS_CATALOG = frozenset({*QUESTIONS, "rca", "snapshot"})
"""The commands whose answers name owners: the catalog source is read before them."""


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - a return per long-running command
    """Run `svcmap` with `argv`; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "rca" and args.snapshot is not None:
            print(rca_from_file(args))
            return 0
        overrides: dict[str, object] = {}
        if args.db:
            overrides["database_url"] = args.db
        if args.catalog:
            overrides["catalog_file"] = args.catalog
        if args.command == "demo":
            return run_demo_command(args, overrides)
        with build_app(load_settings(**overrides)) as app:
            if args.command == "import":
                return _import(app, args)
            if args.command in ("refresh", "sources"):
                return run_refresh_command(app, args)
            if args.command == "serve":
                return run_serve_command(app, args)
            if args.command in NEEDS_CATALOG:
                _read_catalog_source(app, args)
            shown = run(app, args)
            if shown is not None:
                print(shown)
    except UsageError as error:
        parser.exit(EXIT_USAGE, f"svcmap {args.command}: {error}\n")
    except SvcmapError as error:
        print(f"svcmap {args.command}: {error}", file=sys.stderr)
        return EXIT_ERROR
    return 0


_COMMANDS: dict[str, Callable[[App, argparse.Namespace], str | None]] = {
    "rca": rca_from_store,
    "snapshot": export_snapshot,
    "incidents": list_incidents,
    "pages": list_sent,
    "compact": run_compact_command,
}


def run(app: App, args: argparse.Namespace) -> str | None:
    """Run the command `args` names and return what to print, if anything."""
    command = _COMMANDS.get(args.command)
    if command is not None:
        return command(app, args)
    if args.command == "edges":
        window = Window.ending_at(args.at, args.window, now=app.now())
        edges = list_edges(app, window)
        if args.json:
            return _json([edge_to_dict(edge) for edge in edges])
        rows = [
            (
                e.parent,
                e.child,
                e.calls,
                e.errors,
                round(e.error_rate * 100, 2),
                e.latency.quantile_ms(0.5),
                e.latency.quantile_ms(0.95),
            )
            for e in edges
        ]
        heading = f"{len(edges)} edges, {window.describe()}"
        return render("cli/edges.txt.j2", {"heading": heading, "edges": rows})
    return answer_question(app, args)


def _read_catalog_source(app: App, args: argparse.Namespace) -> None:
    """Read the catalog source, if one is set; when it fails, say so and answer without it."""
    if app.catalog_source is None:
        return
    done = refresh_catalog(app)
    if done.error:
        where = "the catalog file only" if app.settings.catalog_file else "no catalog"
        print(f"svcmap {args.command}: {done.error} (answering with {where})", file=sys.stderr)


def _import(app: App, args: argparse.Namespace) -> int:
    """Import each file on its own: a bad file is reported and skipped, the rest go in."""
    fmt = TraceFormat(args.format) if args.format else None
    reports, failures = [], []
    for path in args.files:
        try:
            reports.append(import_file(app, path, fmt).to_dict())
        except TraceFormatError as error:
            failures.append(str(error))
    if args.json:
        print(_json({"imported": reports, "failed": failures}))
    elif reports:
        print(render("cli/import.txt.j2", {"files": reports}))
    for failure in failures:
        print(f"svcmap import: {failure} (nothing imported from it)", file=sys.stderr)
    return EXIT_ERROR if failures else 0


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
