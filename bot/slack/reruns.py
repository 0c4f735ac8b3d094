"""The command text that asks a question again: what buttons carry, read back by the grammar.

A button's value is never trusted: it is parsed by the same grammar as typed text and
checked by the same access rules, so a forged one can only ask an ordinary question.
"""

from __future__ import annotations

import argparse
import shlex

VALUE_LIMIT = 2_000
"""Slack's limit on a button's value."""
OPTION_LIMIT = 150
"""Slack's limit on a select option's value."""


def command_text(args: argparse.Namespace, *, at: int | None = None) -> str:
    """The `/svcmap` text (without `/svcmap`) that asks `args` again, at `at` if given."""
    question: str = args.command
    names: list[str] = []
    if question in ("deps", "blast", "owners", "rca"):
        names.append(args.service)
    elif question == "path":
        names += [args.source, args.target]
    elif question == "simulate":
        names += ["down", ",".join(name for group in args.services for name in group)]
    options: list[str] = []
    if question == "deps":
        if args.direction:
            options.append(f"--{args.direction}")
        if args.depth:
            options += ["--depth", str(args.depth)]
    if question == "diff":
        options += ["--since", f"{args.since}s"]
    options += _own_options(args)
    moment = at if at is not None else args.at
    if moment is not None:
        options += ["--at", str(moment)]
    for option in ("window", "baseline"):
        value = getattr(args, option, None)
        if value:
            options += [f"--{option}", f"{value}s"]
    words = [question, *options]
    if any(name.startswith("-") for name in names):
        words.append("--")  # a name from traces may start with a dash; it is still a name
    words += names
    return shlex.join(words)


def _own_options(args: argparse.Namespace) -> list[str]:
    """The options of `risk` and of a maintenance plan, as typed."""
    options: list[str] = []
    if args.command == "risk":
        if args.min_share:
            options += ["--min-share", repr(args.min_share)]
        options += ["--limit", str(args.limit)]
    if args.command == "simulate" and getattr(args, "length", None):
        options += ["--for", f"{args.length}s", "--weeks", str(args.weeks)]
        if args.suggest:
            options.append("--suggest")
    return options


def deeper(args: argparse.Namespace, direction: str, *, at: int) -> str:
    """`deps` one hop further than `args` went in `direction` (`up` or `down`)."""
    depth = getattr(args, "depth", None) if args.command == "deps" else None
    more = argparse.Namespace(
        command="deps",
        service=_focus(args),
        direction=direction,
        depth=(depth or 1) + 1 if args.command == "deps" else 1,
        at=at,
        window=getattr(args, "window", None),
    )
    return command_text(more)


def about(args: argparse.Namespace, question: str, *, at: int) -> str:
    """Ask `question` (`owners`, `blast`, `rca`) about the focus of `args`, at `at`."""
    other = argparse.Namespace(command=question, service=_focus(args), at=at)
    return command_text(other)


def _focus(args: argparse.Namespace) -> str:
    if args.command == "path":
        return str(args.source)
    if args.command == "simulate":
        return str(args.services[0][0])
    return str(args.service)


def fits(text: str, limit: int = VALUE_LIMIT) -> bool:
    """Whether `text` fits in a button's (or an option's) value."""
    return len(text) <= limit
