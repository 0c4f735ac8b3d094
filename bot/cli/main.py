"""`svcmap`: parse the command line, build the app once, run one use case, print.

A command's module is imported only when that command runs: a question loads no server,
Slack, demo or trace-parsing code. The cycle collector is off while svcmap starts and
while a short command runs: importing and building the app make a great many objects and
next to no cycles, and each collection would walk them all again (about a sixth of a
question's time). `import`, `refresh`, `serve` and `demo` turn it back on.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, MutableMapping, Sequence
from typing import TYPE_CHECKING, NoReturn

from bot.cli.parser import build_parser
from bot.commands import QUESTIONS
from topology.errors import SvcmapError, UsageError

if TYPE_CHECKING:
    from bot.bootstrap import App, Reading
    from bot.settings import Settings

EXIT_ERROR = 1
EXIT_USAGE = 2
CLOSED_PIPE = 141
"""The status of a program ended by writing into a closed pipe (128 + SIGPIPE), as shells give."""
NEEDS_CATALOG = frozenset({*QUESTIONS, "rca", "snapshot"})
"""The commands whose answers name owners: the catalog source is read before them."""
COLLECTING = frozenset({"demo", "import", "refresh", "serve"})
"""The commands that run long or read bulk input: they run with the cycle collector on."""
READ_ONLY = frozenset({"edges", "incidents", "rca", *QUESTIONS})
"""The commands answered from a SQLite store at the newest schema without SQLAlchemy; the
questions when they ask about the map alone (`bot.usecases.map_questions.answers_from_map`)."""
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""What numpy's linear algebra reads, once, for how many threads to start."""


def one_blas_thread(environment: MutableMapping[str, str]) -> None:
    """Have numpy's linear algebra run on one thread, unless `environment` says otherwise.

    Its BLAS starts a thread per core for a matrix product. The products here are small (one
    cycle of the map, at most a few hundred rows), and on a busy machine those threads spin
    against each other and against the answer workers: making the cycle solvers of a
    5,000-service map took 0.75-1.2 s so, 0.15 s on one thread. Set before numpy loads, and
    inherited by serve's worker processes.
    """
    for variable in BLAS_THREADS:
        environment.setdefault(variable, "1")


def cli() -> NoReturn:
    """The `svcmap` program: run the command line's command, then exit with its status.

    What is left is frozen first: the interpreter's last cycle collection on the way out
    would otherwise walk every object of the process for nothing, a sixth of a question's
    time. Output piped into a reader that stops early (`svcmap rca ... | head`) ends the
    program as a closed pipe ends a shell tool: quietly, with status `CLOSED_PIPE`.
    """
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Nothing more can be written there, at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = CLOSED_PIPE
    gc.freeze()
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `svcmap` with `argv`; return the exit status."""
    one_blas_thread(os.environ)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        (gc.enable if collecting else gc.disable)()


def _main(argv: Sequence[str] | None) -> int:  # noqa: PLR0911, PLR0912 - a branch and return per command that skips the app
    from bot.settings import load_settings

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in COLLECTING:
        gc.enable()
    try:
        if args.command == "rca" and args.snapshot is not None:
            from bot.cli.incidents import rca_from_file

            print(rca_from_file(args))
            return 0
        overrides: dict[str, object] = {}
        if args.db:
            overrides["database_url"] = args.db
        if args.catalog:
            overrides["catalog_file"] = args.catalog
        if args.command == "demo":
            from bot.cli.demo import run_demo_command

            return run_demo_command(args, overrides)
        settings = load_settings(**overrides)
        if args.command in READ_ONLY:
            shown = _answer_read_only(settings, args)
            if shown is not None:
                print(shown)
                return 0
        from bot.bootstrap import build_app

        with build_app(settings) as app:
            if args.command == "import":
                from bot.cli.importing import run_import_command

                return run_import_command(app, args)
            if args.command in ("refresh", "sources"):
                from bot.cli.refreshing import run_refresh_command

                return run_refresh_command(app, args)
            if args.command == "serve":
                from bot.cli.serving import run_serve_command

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


def run(app: App, args: argparse.Namespace) -> str | None:
    """Run the command `args` names and return what to print, if anything."""
    return command(args.command)(app, args)


def command(name: str) -> Callable[[App, argparse.Namespace], str | None]:  # noqa: PLR0911 - a return per command
    """The function running the command `name` (any question's, unless another's)."""
    match name:
        case "rca":
            from bot.cli.incidents import rca_from_store

            return rca_from_store
        case "snapshot":
            from bot.cli.incidents import export_snapshot

            return export_snapshot
        case "incidents":
            from bot.cli.alerting import list_incidents

            return list_incidents
        case "pages":
            from bot.cli.alerting import list_sent

            return list_sent
        case "warnings":
            from bot.cli.warnings import list_warnings

            return list_warnings
        case "compact":
            from bot.cli.compacting import run_compact_command

            return run_compact_command
        case "migrate":
            from bot.cli.migrating import run_migrate_command

            return run_migrate_command
        case "edges":
            from bot.cli.listing import list_edges_command

            return list_edges_command
    from bot.cli.questions import answer_question

    return answer_question


def _answer_read_only(settings: Settings, args: argparse.Namespace) -> str | None:
    """The answer to `args` read without the app; None when it cannot be read so.

    A store that is not a SQLite file at the newest schema is answered by the app, which
    migrates it first; so is a question weighing more than the map (`risk`, `simulate
    --for`), and a question naming owners (`rca` too) when a catalog source is to be read
    first.
    """
    from bot.questions import question_of
    from bot.usecases.map_questions import answers_from_map

    if args.command in NEEDS_CATALOG and settings.backstage_url:
        return None
    question = question_of(args) if args.command in QUESTIONS else None
    if question is not None and not answers_from_map(question):
        return None
    from bot.bootstrap import open_reading

    reading = open_reading(settings)
    if reading is None:
        return None
    with reading:
        if question is not None and answers_from_map(question):
            from bot.cli.answer_text import answer_map_question

            return answer_map_question(reading, question)
        return _read(reading, args)


def _read(reading: Reading, args: argparse.Namespace) -> str:
    """The answer to `args`, a command of `READ_ONLY` but a question, read without the app."""
    match args.command:
        case "edges":
            from bot.cli.listing import edges_text

            return edges_text(reading.store, reading.now(), args)
        case "incidents":
            from bot.cli.incident_list import incidents_text

            return incidents_text(reading.incidents, args)
    from bot.cli.incidents import rca_from_store

    return rca_from_store(reading, args)


def _read_catalog_source(app: App, args: argparse.Namespace) -> None:
    """Read the catalog source, if one is set; when it fails, say so and answer without it."""
    if app.catalog_source is None:
        return
    from bot.bootstrap import refreshing
    from bot.usecases.refresh import refresh_catalog

    done = refresh_catalog(refreshing(app))
    if done.error:
        where = "the catalog file only" if app.settings.catalog_file else "no catalog"
        print(f"svcmap {args.command}: {done.error} (answering with {where})", file=sys.stderr)


if __name__ == "__main__":
    cli()
