"""The grammar of the questions, shared by the CLI and Slack: same words, same options."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.questions import DIFF_SINCE_S, KINDS, PLAN_WEEKS, RISK_LIMIT
from topology.errors import UsageError
from topology.timespec import parse_duration, parse_time

QUESTIONS = tuple(name for name in KINDS if name != "rca")
"""The questions `add_questions` adds (`rca` has options of its own on each face)."""


def _time(text: str) -> int:
    try:
        return parse_time(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _duration(text: str) -> int:
    try:
        return parse_duration(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _depth(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"bad depth {text!r}: use a whole number from 1 up")
    return int(text)


MAX_WEEKS = 52
"""The most weeks of history a maintenance plan reads (one map each)."""
MAX_LIMIT = 1_000
"""The most entries a `risk` list shows."""


def _count_up_to(most: int) -> Callable[[str], int]:
    def count(text: str) -> int:
        if not text.isdigit() or not 1 <= int(text) <= most:
            raise argparse.ArgumentTypeError(
                f"bad number {text!r}: use a whole number, 1 to {most}"
            )
        return int(text)

    return count


def parse_share(text: str, *, name: str = "share") -> float:
    """A share written 0.5 or 50%: above 0, at most 1; `UsageError` naming `name` otherwise."""
    try:
        share = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        share = float("nan")
    if not 0.0 < share <= 1.0:
        raise UsageError(f"bad {name} {text!r}: use 0.5 or 50%, above 0, at most 1")
    return share


def _share(text: str) -> float:
    try:
        return parse_share(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _service_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one service")
    return names


def add_when_options(parser: argparse.ArgumentParser, *, window: bool = True) -> None:
    """Add `--at`, `--window` and `--json`, which every question takes."""
    parser.add_argument(
        "--at",
        type=_time,
        metavar="TIME",
        help="ask about the map as it was then (ISO 8601 with a zone, or Unix s)",
    )
    if window:
        parser.add_argument(
            "--window",
            type=_duration,
            metavar="DURATION",
            help="only traffic in this long before --at (15m, 2h, 1d)",
        )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def add_questions(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the question subcommands to `commands`."""
    deps = commands.add_parser("deps", help="what a service calls, and what calls it")
    deps.add_argument("service")
    direction = deps.add_mutually_exclusive_group()
    direction.add_argument(
        "--down",
        dest="direction",
        action="store_const",
        const="down",
        help="only what it calls (its dependencies)",
    )
    direction.add_argument(
        "--up",
        dest="direction",
        action="store_const",
        const="up",
        help="only what calls it (its dependents)",
    )
    direction.add_argument(
        "--both",
        dest="direction",
        action="store_const",
        const="both",
        help="both directions (the default)",
    )
    deps.add_argument("--depth", type=_depth, metavar="N", help="at most N hops away")
    add_when_options(deps)

    blast = commands.add_parser("blast", help="who is hit if a service fails")
    blast.add_argument("service")
    add_when_options(blast)

    path = commands.add_parser("path", help="how calls get from one service to another")
    path.add_argument("source")
    path.add_argument("target")
    add_when_options(path)

    diff = commands.add_parser("diff", help="what changed: new and vanished edges, jumps")
    diff.add_argument(
        "--since",
        type=_duration,
        default=DIFF_SINCE_S,
        metavar="DURATION",
        help="the recent window, ending at --at (default 1h)",
    )
    diff.add_argument(
        "--baseline",
        type=_duration,
        metavar="DURATION",
        help="the window before it to compare with (default: as long as --since)",
    )
    add_when_options(diff, window=False)

    simulate = commands.add_parser("simulate", help="what-if: services down for maintenance")
    simulate.add_argument("mode", choices=["down"])
    simulate.add_argument("services", type=_service_list, nargs="+", metavar="SVC[,SVC...]")
    simulate.add_argument(
        "--for",
        dest="length",
        type=_duration,
        metavar="DURATION",
        help="plan maintenance this long from --at: weigh it on the same hours of past weeks",
    )
    simulate.add_argument(
        "--weeks",
        type=_count_up_to(MAX_WEEKS),
        default=PLAN_WEEKS,
        metavar="N",
        help="with --for: weeks of history (default 4, at most 52)",
    )
    simulate.add_argument(
        "--suggest", action="store_true", help="with --for: the quietest windows in the next week"
    )
    add_when_options(simulate)

    owners = commands.add_parser("owners", help="who owns a service and its neighbours")
    owners.add_argument("service")
    add_when_options(owners)

    drift = commands.add_parser(
        "drift", help="where the catalog's declared dependencies and the traffic disagree"
    )
    add_when_options(drift)

    risk = commands.add_parser(
        "risk", help="the map's weak points: single points of failure, unpageable owners, cycles"
    )
    risk.add_argument(
        "--min-share",
        type=_share,
        metavar="SHARE",
        help="entry traffic a failure must reach to count (0.5 or 50%%; default from settings)",
    )
    risk.add_argument(
        "--limit",
        type=_count_up_to(MAX_LIMIT),
        default=RISK_LIMIT,
        metavar="N",
        help="at most N per list",
    )
    add_when_options(risk)


INCIDENT_WINDOW_S = 15 * 60
"""The incident window `rca` and `snapshot export` look at when not told."""
INCIDENT_BASELINE_S = 2 * 3_600
"""The baseline window before the incident they compare it with when not told."""


def add_incident_options(parser: argparse.ArgumentParser) -> None:
    """Add `--at`, `--window` and `--baseline`: the incident, and the normal time before it."""
    parser.add_argument(
        "--at",
        type=_time,
        metavar="TIME",
        help="when the symptom was seen (ISO 8601 with a zone, or Unix s; default now)",
    )
    parser.add_argument(
        "--window",
        type=_duration,
        metavar="DURATION",
        help="the incident: this long up to --at (default 15m)",
    )
    parser.add_argument(
        "--baseline",
        type=_duration,
        metavar="DURATION",
        help="normal time: this long just before the incident window (default 2h)",
    )
