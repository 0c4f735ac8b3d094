"""Untrusted text made safe inside a quoted DOT string."""

from __future__ import annotations

import unicodedata

LABEL_LIMIT = 48
"""Characters of a name a label shows; longer names are cut, the tooltip keeps them whole."""

_ELLIPSIS = "\u2026"
_REPLACEMENT = "\ufffd"
_UNSHOWN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
"""Control, format (such as bidi overrides), surrogate, private and unassigned characters."""
_JOINERS = frozenset({"\u200c", "\u200d"})
"""Format characters that emoji and some scripts need."""

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    # Record-shaped labels give these meaning; a backslash before them is dropped in plain
    # labels, so escaping them is harmless there and safe should a shape ever change.
    "{": "\\{",
    "}": "\\}",
    "|": "\\|",
    "<": "\\<",
    ">": "\\>",
    # Graphviz reads entities in labels; keep a name's own '&' literal.
    "&": "&amp;",
    # Shown, not obeyed: a name cannot start lines of its own.
    "\n": "\\\\n",
    "\r": "\\\\r",
    "\t": " ",
}


def escape(text: str, *, limit: int | None = None) -> str:
    """`text` as the inside of a DOT double-quoted label, cut to `limit` characters."""
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + _ELLIPSIS
    return "".join(_escape_char(char) for char in text)


def quote(text: str, *, limit: int | None = None) -> str:
    """`text` as a complete DOT double-quoted string."""
    return f'"{escape(text, limit=limit)}"'


def lines(*parts: str) -> str:
    """Already escaped parts joined by centred line breaks, as one DOT quoted string."""
    return '"' + "\\n".join(parts) + '"'


def _escape_char(char: str) -> str:
    escaped = _ESCAPES.get(char)
    if escaped is not None:
        return escaped
    category = unicodedata.category(char)
    if category.startswith("Z"):
        return " "
    if category in _UNSHOWN and char not in _JOINERS:
        return _REPLACEMENT
    return char
