"""README's code blocks, read the way the tests that run or parse them need."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

README = REPO / "README.md"
_FENCE = re.compile(r"^```(\w*)$")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced code block: its language, the `## ` section it is in, its lines."""

    lang: str
    section: str
    lines: tuple[str, ...]


def code_blocks(path: Path = README) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order."""
    blocks: list[Block] = []
    section, lang, lines = "", None, list[str]()
    for line in path.read_text(encoding="utf-8").splitlines():
        fence = _FENCE.match(line)
        if lang is None and fence:
            lang, lines = fence.group(1), []
        elif lang is not None and line == "```":
            blocks.append(Block(lang, section, tuple(lines)))
            lang = None
        elif lang is not None:
            lines.append(line)
        elif line.startswith("## "):
            section = line.removeprefix("## ").strip()
    assert lang is None, f"{path.name}: a code block is never closed"
    return blocks


def svcmap_lines(blocks: list[Block], command: str = "svcmap") -> list[str]:
    """The lines of `blocks` that run `command`, as written (comments and all)."""
    return [line for block in blocks for line in block.lines if line.startswith(f"{command} ")]
