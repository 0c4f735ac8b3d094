"""Every `# noqa` in the project says why the rule does not apply there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("bot", "topology", "bench", "eval", "samples", "tests", "scripts")
NOQA = re.compile(r"#\s*noqa\b(?P<rest>.*)$")
REASONED = re.compile(r":\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*\s*(-|—|\(|#)\s*\S")


def unexplained(text: str) -> list[int]:
    """The lines of `text` holding a noqa with no codes or no reason after them."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = NOQA.search(line)
        if match and not REASONED.match(match.group("rest")):
            found.append(number)
    return found


def test_every_noqa_names_its_rules_and_a_reason() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != Path(__file__).resolve()  # its docstring and samples speak of noqa
        for line in unexplained(path.read_text(encoding="utf-8"))
    ]
    assert not missing, "noqa without a reason: " + ", ".join(missing)


def test_a_bare_noqa_or_one_without_a_reason_is_caught() -> None:
    text = (
        "a = 1  # noqa\n"
        "b = 2  # noqa: E501\n"
        "c = 3  # noqa: E501 - a URL\n"
        "d = 4  # noqa: A002, S104 (names)\n"
    )
    assert unexplained(text) == [1, 2]
