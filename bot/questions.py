"""The questions svcmap answers, as typed values: what the CLI, Slack and the web console ask.

Free of argparse and Slack: the grammar (`bot.commands`) reads text into a namespace,
`question_of` turns it into one of these, and `question_text` writes one back as the
text that asks it again (what buttons carry).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

DirectionName = Literal["up", "down", "both"]
"""Which way `deps` follows the calls."""
DIFF_SINCE_S = 3_600
"""The recent window `diff` compares when not told."""
PLAN_WEEKS = 4
"""The past weeks a maintenance plan weighs when not told."""
RISK_LIMIT = 10
"""The most entries a `risk` list shows when not told."""


@dataclass(frozen=True, kw_only=True)
class Deps:
    """What a service calls, and what calls it."""

    name: ClassVar[str] = "deps"
    service: str
    direction: DirectionName | None = None
    depth: int | None = None
    at: int | None = None
    window: int | None = None
    json: bool = False


@dataclass(frozen=True, kw_only=True)
class Blast:
    """Who is hit if a service fails."""

    name: ClassVar[str] = "blast"
    service: str
    at: int | None = None
    window: int | None = None
    json: bool = False


@dataclass(frozen=True, kw_only=True)
class Owners:
    """Who owns a service and its neighbours."""

    name: ClassVar[str] = "owners"
    service: str
    at: int | None = None
    window: int | None = None
    json: bool = False


@dataclass(frozen=True, kw_only=True)
class Path:
    """How calls get from one service to another."""

    name: ClassVar[str] = "path"
    source: str
    target: str
    at: int | None = None
    window: int | None = None
    json: bool = False


@dataclass(frozen=True, kw_only=True)
class Diff:
    """What changed: the recent `since` seconds against the `baseline` before them."""

    name: ClassVar[str] = "diff"
    since: int = DIFF_SINCE_S
    baseline: int | None = None
    at: int | None = None
    json: bool = False


@dataclass(frozen=True, kw_only=True)
class Simulate:
    """What-if: `services` down, now or (with `length`) planned on the weeks before."""

    name: ClassVar[str] = "simulate"
    services: tuple[str, ...]
    length: int | None = None
    weeks: int = PLAN_WEEKS
    suggest: bool = False
    at: int | None = None
    window: int | None = None
    json: bool = False

    @property
    def planning(self) -> bool:
        """Whether this weighs a maintenance plan on past weeks (`--for`, `--suggest`)."""
        return bool(self.length or self.suggest)


@dataclass(frozen=True, kw_only=True)
class Drift:
    """Where the catalog's declared dependencies and the traffic disagree."""

    name: ClassVar[str] = "drift"
    at: int | None = None
    window: int | None = None
    json: bool = False


@dataclass(frozen=True, kw_only=True)
class Risk:
    """The map's weak points."""

    name: ClassVar[str] = "risk"
    min_share: float | None = None
    limit: int = RISK_LIMIT
    at: int | None = None
    window: int | None = None
    json: bool = False


@dataclass(frozen=True, kw_only=True)
class Rca:
    """The likely root causes of a symptom at `service`."""

    name: ClassVar[str] = "rca"
    service: str
    at: int | None = None
    window: int | None = None
    baseline: int | None = None
    json: bool = False


Question = Deps | Blast | Owners | Path | Diff | Simulate | Drift | Risk | Rca
"""Any question."""
MapQuestion = Deps | Blast | Owners | Path | Diff | Simulate | Drift
"""The questions about the map of a window alone (`simulate` without a plan among them)."""
KINDS: dict[str, type[Question]] = {
    kind.name: kind for kind in (Deps, Blast, Owners, Path, Diff, Simulate, Drift, Risk, Rca)
}
"""Each question type by the subcommand that asks it."""


class Parsed(Protocol):
    """What the grammar read: attributes by option name (an `argparse.Namespace`)."""

    command: str


def question_of(parsed: Parsed) -> Question:  # noqa: PLR0911 - a return per question
    """The question `parsed` (the grammar's namespace) asks; `TypeError` if it asks none."""
    at, window, json = _int(parsed, "at"), _int(parsed, "window"), _flag(parsed, "json")
    match parsed.command:
        case "deps":
            direction = getattr(parsed, "direction", None)
            if direction not in (None, "up", "down", "both"):
                raise TypeError(f"bad direction {direction!r}")
            depth = _int(parsed, "depth")
            return Deps(
                service=_str(parsed, "service"),
                direction=direction,
                depth=depth,
                at=at,
                window=window,
                json=json,
            )
        case "blast":
            return Blast(service=_str(parsed, "service"), at=at, window=window, json=json)
        case "owners":
            return Owners(service=_str(parsed, "service"), at=at, window=window, json=json)
        case "path":
            source, target = _str(parsed, "source"), _str(parsed, "target")
            return Path(source=source, target=target, at=at, window=window, json=json)
        case "diff":
            since = _int(parsed, "since") or DIFF_SINCE_S
            return Diff(since=since, baseline=_int(parsed, "baseline"), at=at, json=json)
        case "simulate":
            return Simulate(
                services=_names(getattr(parsed, "services", ())),
                length=_int(parsed, "length"),
                weeks=_int(parsed, "weeks") or PLAN_WEEKS,
                suggest=_flag(parsed, "suggest"),
                at=at,
                window=window,
                json=json,
            )
        case "drift":
            return Drift(at=at, window=window, json=json)
        case "risk":
            share = getattr(parsed, "min_share", None)
            if share is not None and not isinstance(share, float):
                raise TypeError(f"bad min_share {share!r}")
            limit = _int(parsed, "limit") or RISK_LIMIT
            return Risk(min_share=share, limit=limit, at=at, window=window, json=json)
        case "rca":
            service = getattr(parsed, "service", None) or getattr(parsed, "symptom", None)
            if not isinstance(service, str):
                raise TypeError("rca names no service")
            baseline = _int(parsed, "baseline")
            return Rca(service=service, at=at, window=window, baseline=baseline, json=json)
    raise TypeError(f"{parsed.command!r} is not a question")


def question_text(question: Question, *, at: int | None = None) -> str:
    """The `/svcmap` text (without `/svcmap`) that asks `question` again, at `at` if given.

    `--json` is how an answer is shown, not part of the question: it is left out.
    """
    names, options = _words(question)
    moment = at if at is not None else question.at
    if moment is not None:
        options += ["--at", str(moment)]
    baseline = question.baseline if isinstance(question, Diff | Rca) else None
    for option, value in (("window", window_of(question)), ("baseline", baseline)):
        if value:
            options += [f"--{option}", f"{value}s"]
    words = [question.name, *options]
    if any(name.startswith("-") for name in names):
        words.append("--")  # a name from traces may start with a dash; it is still a name
    words += names
    return shlex.join(words)


def _words(question: Question) -> tuple[list[str], list[str]]:  # noqa: PLR0911 - a return per question
    """The names `question` is about, and its own options, as typed."""
    match question:
        case Deps(service=service, direction=direction, depth=depth):
            options = [f"--{direction}"] if direction else []
            return [service], options + (["--depth", str(depth)] if depth else [])
        case Blast(service=service) | Owners(service=service) | Rca(service=service):
            return [service], []
        case Path(source=source, target=target):
            return [source, target], []
        case Diff(since=since):
            return [], ["--since", f"{since}s"]
        case Simulate(services=services, length=length, weeks=weeks, suggest=suggest):
            names = ["down", ",".join(services)]
            if not length:
                return names, []
            planned = ["--for", f"{length}s", "--weeks", str(weeks)]
            return names, planned + (["--suggest"] if suggest else [])
        case Risk(min_share=share, limit=limit):
            return [], (["--min-share", repr(share)] if share else []) + ["--limit", str(limit)]
    return [], []


def window_of(question: Question) -> int | None:
    """The `--window` of `question`; None for `diff`, which has windows of its own."""
    return None if isinstance(question, Diff) else question.window


def focus(question: Question) -> str | None:
    """The service a question is about first, if any: what drill-downs ask about."""
    match question:
        case Path(source=source):
            return source
        case Simulate(services=services):
            return services[0] if services else None
        case Deps(service=service) | Blast(service=service) | Owners(service=service):
            return service
        case Rca(service=service):
            return service
    return None


def _int(parsed: Parsed, key: str) -> int | None:
    value = getattr(parsed, key, None)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"bad {key} {value!r}")
    return value


def _str(parsed: Parsed, key: str) -> str:
    value = getattr(parsed, key, None)
    if not isinstance(value, str):
        raise TypeError(f"bad {key} {value!r}")
    return value


def _flag(parsed: Parsed, key: str) -> bool:
    return bool(getattr(parsed, key, False))


def _names(groups: object) -> tuple[str, ...]:
    """Service names given as `a,b c` (lists of names, as the grammar reads them), flattened."""
    if not isinstance(groups, Sequence) or isinstance(groups, str):
        raise TypeError(f"bad services {groups!r}")
    names: list[str] = []
    for group in groups:
        members = [group] if isinstance(group, str) else group
        if not isinstance(members, Sequence) or not all(isinstance(n, str) for n in members):
            raise TypeError(f"bad services {groups!r}")
        names += members
    if not names:
        raise TypeError("name at least one service")
    return tuple(names)
