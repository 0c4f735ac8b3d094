"""Read the text typed after `/svcmap` with the CLI's own grammar: same words, same options."""

from __future__ import annotations

import argparse
import html
import re
import shlex
from dataclasses import dataclass
from typing import NoReturn, cast

from bot.commands import add_incident_options, add_questions
from bot.questions import Question, question_of
from topology.errors import CommandError

COMMAND = "/svcmap"
SUBCOMMANDS = (
    "deps",
    "blast",
    "rca",
    "path",
    "diff",
    "simulate",
    "owners",
    "drift",
    "risk",
    "help",
)
TEXT_LIMIT = 1_000
"""Slack allows longer command text; no question needs more than this."""

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_MENTION = re.compile(r"<[@#!][^>]*>")
_DASHES = re.compile(r"(?<!\S)[\u2013\u2014](?=\w)")


@dataclass(frozen=True, slots=True)
class Help:
    """`/svcmap help [SUBCOMMAND]`, or an empty command: the usage to show."""

    text: str
    topic: str | None = None


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(message, self.format_usage().strip())

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:  # noqa: ARG002 -- an error whatever the status
        raise CommandError(message or "cannot read the command", self.format_usage().strip())


def build_parser() -> argparse.ArgumentParser:
    """The `/svcmap` parser: the CLI's questions, `rca`, and `help`."""
    parser = _Parser(prog=COMMAND, add_help=False, allow_abbrev=False)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="SUBCOMMAND", parser_class=_Parser
    )
    add_questions(cast("argparse._SubParsersAction[argparse.ArgumentParser]", commands))
    rca = commands.add_parser("rca", help="rank the likely root causes of a symptom")
    rca.add_argument("service", metavar="SVC", help="the service showing the symptom")
    add_incident_options(rca)
    rca.add_argument("--json", action="store_true", help="answer with JSON")
    helper = commands.add_parser("help", help="what /svcmap can answer")
    helper.add_argument("topic", nargs="?", metavar="SUBCOMMAND")
    for sub in commands.choices.values():
        sub.prog = f"{COMMAND} {sub.prog.split()[-1]}"
        sub.allow_abbrev = False
    return parser


def words(text: str, *, typed: bool = True) -> list[str]:
    """The words of command text; typed text has Slack's entities decoded and mentions dropped.

    Curly quotes and dashes, which Slack clients put in for straight ones, are made plain.
    """
    if len(text) > TEXT_LIMIT:
        raise CommandError(f"the command is {len(text):,} characters; at most {TEXT_LIMIT:,}", "")
    plain = text
    if typed:
        plain = html.unescape(_MENTION.sub(" ", text)).translate(_QUOTES)
        plain = _DASHES.sub("--", plain)
    try:
        return shlex.split(plain)
    except ValueError as error:
        raise CommandError(f"cannot read the command: {error}", "") from None


def parse(text: str, *, typed: bool = True) -> Question | Help:
    """The question in `text`, or the help it asks for; `CommandError` when it makes no sense.

    `typed` is text a person typed in Slack; a button's own command text is not escaped.
    """
    parser = build_parser()
    args = words(text, typed=typed)
    if args and args[0] == COMMAND:
        args = args[1:]
    if not args or args[0] in ("help", "-h", "--help"):
        topic = args[1] if len(args) > 1 else None
        return Help(help_text(parser, topic), topic)
    if args[0] not in SUBCOMMANDS:
        raise CommandError(
            f"unknown subcommand {args[0]!r}; choose one of {', '.join(SUBCOMMANDS)}",
            help_text(parser, None),
        )
    if "-h" in args[1:] or "--help" in args[1:]:
        return Help(help_text(parser, args[0]), args[0])
    try:
        return question_of(parser.parse_args(args))
    except CommandError as error:
        raise CommandError(str(error), help_text(parser, args[0])) from None


def help_text(parser: argparse.ArgumentParser, topic: str | None) -> str:
    """The usage of one subcommand, or the list of them all."""
    commands = _subcommands(parser)
    if topic in commands:
        return commands[topic].format_help().strip()
    lines = [f"{COMMAND} SUBCOMMAND [options], one of:"]
    width = max(map(len, commands))
    for name, sub in commands.items():
        summary = sub.description or _summary(parser, name)
        lines.append(f"  {name.ljust(width)}  {summary}")
    lines.append(f"Every question takes --at TIME. {COMMAND} help SUBCOMMAND shows its options.")
    return "\n".join(lines)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _summary(parser: argparse.ArgumentParser, name: str) -> str:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest == name:
                    return choice.help or ""
    return ""
