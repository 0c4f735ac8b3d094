"""Slack mrkdwn escaping: text from traces and alerts can never format, link or mention."""

from __future__ import annotations

import re

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKS = "*_~`"
_ZWSP = "\u200b"
_APART = str.maketrans({mark: f"{_ZWSP}{mark}{_ZWSP}" for mark in _MARKS})
# Slack has no escape for its formatting marks. A zero-width space on either side of one
# leaves it neither opening before text nor closing after it, so `*bold*` stays as
# written, on screen and when copied.
_FENCE = "```"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


def escape(text: str) -> str:
    """`text` as written: no mention, link, bold, italic, strike or code can come from it.

    `&`, `<` and `>` become entities; `*`, `_`, `~` and backticks are set apart by
    zero-width spaces.
    """
    escaped = text.translate(_ENTITIES)
    return escaped.translate(_APART) if any(mark in escaped for mark in _MARKS) else escaped


def _entities(text: str) -> str:
    """`text` with `&`, `<` and `>` escaped: enough in code and URLs, where nothing formats."""
    return text.translate(_ENTITIES)


def code_block(text: str) -> str:
    """`text` in a preformatted block, escaped, with no fence inside to end the block early."""
    body = _entities(text).replace(_FENCE, "'''")
    return f"{_FENCE}\n{body}\n{_FENCE}"


def inline_code(text: str) -> str:
    """`text` as inline code, escaped; backticks inside become quotes."""
    body = _entities(text).replace("`", "'")
    return f"`{body}`"


def link(url: str, text: str) -> str:
    """A mrkdwn link to `url` (http or https, checked by the caller) reading `text`."""
    target = _entities(url).replace("|", "%7C")
    return f"<{target}|{escape(text).replace('|', '/')}>"


def mention(user: str | None) -> str:
    """`<@U123>` for a well-formed Slack user ID, else nothing: IDs come from payloads."""
    return f"<@{user}>" if user and _USER_ID.fullmatch(user) else ""
