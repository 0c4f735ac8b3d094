"""Reading back the DOT text the builder writes, as Graphviz's lexer would."""

from __future__ import annotations

import re

QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
STATEMENT = re.compile(r"^\s*(n\d+) \[(.*)\];$")
ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s\]]+)')
UNESCAPES = {"\\\\": "\\", '\\"': '"', "\\{": "{", "\\}": "}", "\\|": "|", "\\<": "<", "\\>": ">"}


def skeleton(dot: str) -> str:
    """The DOT text with every quoted string emptied: what is left is syntax."""
    return QUOTED.sub('""', dot)


def unescape(quoted: str) -> str:
    """The text a label shows, for the escapes the builder writes."""
    inner = quoted[1:-1]
    text = re.sub(r"\\.", lambda m: UNESCAPES.get(m.group(0), m.group(0)), inner)
    return text.replace("&amp;", "&")


def nodes(dot: str) -> dict[str, dict[str, str]]:
    """Node statements by ID, each with its attributes (quoted values kept quoted)."""
    found = {}
    for line in dot.splitlines():
        match = STATEMENT.match(line)
        if match:
            found[match.group(1)] = dict(ATTRIBUTE.findall(match.group(2)))
    return found


def node_by_label(dot: str, label: str) -> dict[str, str]:
    """The attributes of the node whose label shows `label`."""
    matches = [a for a in nodes(dot).values() if unescape(a["label"]) == label]
    assert len(matches) == 1, (label, matches)
    return matches[0]
