"""The header a raw log line leads with: a time, then a level.

A raw line written by a logging library and sent as a record's body repeats the record's
time and level, then names the logger or code site that wrote it:
`18:03:57.913 INFO  p.c.PriceController#46 ...`. Only a time, then a level, is a header:
a line that merely starts with a level's word ("Error in ...") or a number keeps them.
"""

from __future__ import annotations

from topology.signals.severity import WORDS

HEADER_TOKENS = 3
"""Leading tokens of a line that may be its header: a time in one or two, then a level."""
_TIME_CHARS = frozenset("0123456789-:.,/+TZ[]()")
_TIME_STARTS = frozenset("0123456789<[(")
"""What a time's first character can be: a line starting otherwise has no header."""
_NUMBER_MASK = "<NUM>"
"""What `masking` turns a number, or a time of digits and separators, into."""


def split_header(line: str) -> tuple[str, str] | None:
    """The level word of the header `line` leads with and what follows it; None if none.

    What follows keeps its spacing when `line` is single-spaced (a masked line is).
    """
    if not line or line[0] not in _TIME_STARTS:  # most bare messages: decided at once
        return None
    head = line.split(None, HEADER_TOKENS)
    for at, token in enumerate(head[: min(HEADER_TOKENS, len(head) - 1)]):
        word = token.strip("[]():").upper()
        if at and word in WORDS:
            return word, " ".join(head[at + 1 :])
        if not _is_time(token):
            return None
    return None


def _is_time(token: str) -> bool:
    """Whether a token is a time or date: digits (or their masks) and separators."""
    bare = token.replace(_NUMBER_MASK, "0")
    return _TIME_CHARS.issuperset(bare) and any(c.isdigit() for c in bare)
