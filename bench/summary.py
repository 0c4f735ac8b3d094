"""One table of the benches' figures against their targets.

    .venv/bin/python -m bench.summary LOG [LOG ...]

A bench calls `figure` for each figure it holds against a target; that prints one
machine-readable line beside the bench's own report, so every bench still runs on its
own:

    SUMMARY<TAB>name<TAB>value<TAB>unit<TAB><= or >=<TAB>target

This module reads those lines back from the benches' output (`bench/run_all.sh` keeps it
in a log) and prints one table: each figure, its target, the ratio value / target, and
whether it met the target. Other lines are skipped; a malformed SUMMARY line is named
on stderr and left out of the table.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

MARK = "SUMMARY"
OPERATORS = ("<=", ">=")
MAX_LINE = 1_000
"""Longer lines are no summary lines (a log can hold anything a bench printed)."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure a bench measured, and the bound it is held to."""

    name: str
    value: float
    unit: str
    operator: str
    target: float

    @property
    def met(self) -> bool:
        """Whether the value is within the target."""
        if self.operator == "<=":
            return self.value <= self.target
        return self.value >= self.target

    @property
    def ratio(self) -> float:
        """The value over the target (NaN for a zero target)."""
        return self.value / self.target if self.target else math.nan


def figure(name: str, value: float, unit: str, operator: str, target: float) -> None:
    """Print the SUMMARY line of one figure; `operator` is "<=" or ">=" (value op target)."""
    if operator not in OPERATORS:
        raise ValueError(f"operator must be one of {OPERATORS}, not {operator!r}")
    clean = " ".join(name.replace("\t", " ").split())
    print(f"{MARK}\t{clean}\t{value:.6g}\t{unit}\t{operator}\t{target:.6g}", flush=True)


def parse(line: str) -> Figure | None:
    """The figure on a SUMMARY line; None for any other line; ValueError if malformed."""
    if not line.startswith(MARK + "\t") or len(line) > MAX_LINE:
        return None
    fields = line.rstrip("\r\n").split("\t")
    if len(fields) != 6:
        raise ValueError(f"expected 6 tab-separated fields, got {len(fields)}")
    _mark, name, value, unit, operator, target = fields
    if operator not in OPERATORS:
        raise ValueError(f"unknown operator {operator!r}")
    parsed = Figure(
        name=name, value=float(value), unit=unit, operator=operator, target=float(target)
    )
    if not (math.isfinite(parsed.value) and math.isfinite(parsed.target)):
        raise ValueError("value and target must be finite numbers")
    return parsed


def bounded_lines(stream: TextIO) -> Iterator[str]:
    """The lines of `stream`, read at most MAX_LINE characters at a time.

    An over-long line comes out as an empty one, its rest skipped.
    """
    while line := stream.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while (rest := stream.readline(MAX_LINE + 1)) and not rest.endswith("\n"):
                pass
            line = ""
        yield line


def collect(lines: Iterable[str]) -> tuple[list[Figure], list[str]]:
    """The figures of `lines`, and a note for each malformed SUMMARY line."""
    found: list[Figure] = []
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        try:
            parsed = parse(line)
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        if parsed is not None:
            found.append(parsed)
    return found, problems


def table(figures: list[Figure]) -> str:
    """The figures as an aligned text table."""
    rows = [("figure", "value", "target", "ratio", "met")]
    rows.extend(
        (
            item.name,
            f"{_number(item.value)} {item.unit}".strip(),
            f"{item.operator} {_number(item.target)} {item.unit}".strip(),
            f"{item.ratio:.2f}",
            "yes" if item.met else "MISSED",
        )
        for item in figures
    )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells).rstrip())
    missed = sum(1 for item in figures if not item.met)
    lines.append(f"{len(figures)} figures, {missed} missed")
    return "\n".join(lines)


def _number(value: float) -> str:
    """Whole numbers with thousands separators from 100 on, else three significant digits."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def main(argv: list[str] | None = None) -> int:
    """Print the table of the logs named; 1 when a log cannot be read or has no figure."""
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    figures: list[Figure] = []
    for path in paths:
        try:
            with Path(path).open(encoding="utf-8", errors="replace") as log:
                found, problems = collect(bounded_lines(log))
        except OSError as error:
            print(f"cannot read {path}: {error}", file=sys.stderr)
            return 1
        figures.extend(found)
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
    if not figures:
        print("no SUMMARY lines found", file=sys.stderr)
        return 1
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
