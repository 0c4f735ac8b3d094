"""`svcmap import`: read trace files into the store, each on its own, and say what went in."""

from __future__ import annotations

import argparse
import json
import sys

from bot.bootstrap import App, import_desk
from bot.render.templating import render
from bot.usecases.importing import import_file
from topology.errors import TraceFormatError
from topology.parsing import TraceFormat

EXIT_ERROR = 1


def run_import_command(app: App, args: argparse.Namespace) -> int:
    """Import each file on its own: a bad file is reported and skipped, the rest go in."""
    fmt = TraceFormat(args.format) if args.format else None
    desk = import_desk(app)
    reports, failures = [], []
    for path in args.files:
        try:
            reports.append(import_file(desk, path, fmt).to_dict())
        except TraceFormatError as error:
            failures.append(str(error))
    if args.json:
        print(json.dumps({"imported": reports, "failed": failures}, indent=2, ensure_ascii=False))
    elif reports:
        print(render("cli/import.txt.j2", {"files": reports}))
    for failure in failures:
        print(f"svcmap import: {failure} (nothing imported from it)", file=sys.stderr)
    return EXIT_ERROR if failures else 0
