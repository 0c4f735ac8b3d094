"""Every `svcmap` (and `/svcmap`) command README shows is one svcmap's own parsers take."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex

import pytest

from bot.cli.parser import build_parser
from bot.slack import grammar
from tests.conftest import REPO
from tests.readme import code_blocks, svcmap_lines

SHELL = svcmap_lines([b for b in code_blocks() if b.lang == "sh"])
SYNOPSES = svcmap_lines([b for b in code_blocks() if b.lang == ""])
SLACK = svcmap_lines([b for b in code_blocks() if b.lang == ""], "/svcmap")
_FLAG = re.compile(r"(?<![\w-])(--?[a-z][\w-]*)")


def parse(words: list[str]) -> argparse.Namespace:
    """Parse as `svcmap` would; a usage error fails the test with argparse's message."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return build_parser().parse_args(words)
    except SystemExit:
        pytest.fail(f"svcmap {shlex.join(words)}: {said.getvalue().strip()}")


def subcommand(
    words: list[str], parser: argparse.ArgumentParser
) -> tuple[list[str], argparse.ArgumentParser]:
    """The subcommand names leading `words` and the parser of the last of them."""
    path = []
    for word in words:
        choices = next(
            (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)),
            None,
        )
        if not choices or word not in choices:
            break
        parser = choices[word]
        path.append(word)
    return path, parser


def test_readme_shows_shell_commands_and_synopses():
    assert len(SHELL) >= 5
    assert len(SYNOPSES) >= 10
    assert len(SLACK) >= 5


@pytest.mark.parametrize("line", SHELL)
def test_each_shell_command_parses_as_typed(line):
    parse(shlex.split(line, comments=True)[1:])


@pytest.mark.parametrize("line", [line for line in SHELL if line.startswith("svcmap import ")])
def test_the_files_an_import_names_are_in_the_repository(line):
    for pattern in parse(shlex.split(line, comments=True)[1:]).files:
        assert list(REPO.glob(str(pattern))), f"{pattern} matches nothing under {REPO}"


@pytest.mark.parametrize(
    ("line", "top"),
    [(line, build_parser) for line in SYNOPSES] + [(line, grammar.build_parser) for line in SLACK],
)
def test_each_synopsis_names_a_subcommand_and_its_options(line, top):
    words = line.split("#")[0].split()[1:]
    path, parser = subcommand(words, top())
    assert path, f"{line}: no such subcommand"
    assert words[: len(path)] == path
    known = {o for a in top()._actions for o in a.option_strings}
    known |= {o for a in parser._actions for o in a.option_strings}
    unknown = [flag for flag in _FLAG.findall(line.split("#")[0]) if flag not in known]
    assert not unknown, f"{line}: svcmap {' '.join(path)} has no {', '.join(unknown)}"
