"""The Jinja2 environment over `templates/`, with the filters the templates use."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from bot.slack.mrkdwn import code_block, inline_code
from bot.slack.mrkdwn import escape as escape_mrkdwn


def templates_dir() -> Path:
    """Where the templates are: the source tree's `templates/`, or the installed copy."""
    source = Path(__file__).resolve().parents[2] / "templates"
    return source if source.is_dir() else Path(__file__).resolve().parents[1] / "_templates"


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """Rows as an aligned plain-text table; numbers right-aligned."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    numeric = [all(_is_number(row[i]) for row in rows) and rows != [] for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        padded = (
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        )
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) or value is None


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("\n", " ")


def percent(value: float | None) -> str:
    """A share (0..1) as a percentage."""
    return "-" if value is None else f"{value * 100:.1f}%"


def millis(value: float | None) -> str:
    """Milliseconds, rounded for reading."""
    return "-" if value is None else f"{value:,.1f} ms"


_FORMATS: dict[str, Callable[[Any], object]] = {
    "percent": percent,
    "ms": lambda v: None if v is None else round(v, 1),
    "yesno": lambda v: "yes" if v else "no",
    "count": lambda v: None if v is None else round(v),
}


def columns(items: Sequence[Mapping[str, object]], *specs: str) -> list[list[object]]:
    """Rows for `table` from dicts: each spec a dotted key, optionally with a format.

    `:percent`, `:ms`, `:yesno`, or `:count` (an estimated count, shown whole).
    """
    rows = []
    for item in items:
        row = []
        for spec in specs:
            path, _, style = spec.partition(":")
            value: object = item
            for key in path.split("."):
                value = value.get(key) if isinstance(value, Mapping) else None
            if isinstance(value, list | tuple):
                value = ", ".join(map(str, value))
            row.append(_FORMATS[style](value) if style else value)
        rows.append(row)
    return rows


@cache
def environment() -> jinja2.Environment:
    """The text environment: no HTML autoescape (terminal output), strict undefined."""
    env = jinja2.Environment(  # noqa: S701 -- plain text for a terminal, not HTML
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(table=table, columns=columns, percent=percent, millis=millis)
    return env


def render(name: str, data: Mapping[str, object]) -> str:
    """Render the template `name` with `data`."""
    return environment().get_template(name).render(data)


def _mrkdwn_value(value: object) -> object:
    """Every value a Slack template prints is escaped; `Markup` marks trusted mrkdwn."""
    if isinstance(value, markupsafe.Markup):
        return str(value)
    return escape_mrkdwn(value if isinstance(value, str) else str(value))


def _trusted(escaper: Callable[[str], str]) -> Callable[[object], markupsafe.Markup]:
    """A filter that escapes its value with `escaper` and marks the result as done."""

    def apply(value: object) -> markupsafe.Markup:
        return markupsafe.Markup(escaper(str(value)))  # noqa: S704 -- escaped just now

    return apply


@cache
def slack_environment() -> jinja2.Environment:
    """The Slack environment: every printed value is mrkdwn-escaped unless marked `Markup`."""
    env = jinja2.Environment(  # noqa: S701 -- mrkdwn, escaped by `finalize`, not HTML
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_mrkdwn_value,
    )
    env.filters.update(
        table=table,
        columns=columns,
        percent=percent,
        millis=millis,
        code=_trusted(inline_code),
        pre=_trusted(code_block),
    )
    return env


def render_slack(name: str, data: Mapping[str, object]) -> str:
    """Render the Slack template `name` with `data`: mrkdwn with every value escaped."""
    return slack_environment().get_template(name).render(data)


def prime_templates() -> None:
    """Compile every template now, so the first answers do not pay for it."""
    for env in (environment(), slack_environment()):
        for name in env.list_templates(extensions=["j2"]):
            env.get_template(name)
