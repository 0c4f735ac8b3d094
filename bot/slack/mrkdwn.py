"""Slack mrkdwn escaping: text from traces and alerts can never format, link or mention."""

from __future__ import annotations

import re

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_FENCE = "```"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


def escape(text: str) -> str:
    """`text` with `&`, `<` and `>` escaped, so `<!channel>` or a link cannot come from it."""
    return text.translate(_ENTITIES)


def code_block(text: str) -> str:
    """`text` in a preformatted block, escaped, with no fence inside to end the block early."""
    body = escape(text).replace(_FENCE, "'''")
    return f"{_FENCE}\n{body}\n{_FENCE}"


def inline_code(text: str) -> str:
    """`text` as inline code, escaped; backticks inside become quotes."""
    body = escape(text).replace("`", "'")
    return f"`{body}`"


def link(url: str, text: str) -> str:
    """A mrkdwn link to `url` (http or https, checked by the caller) reading `text`."""
    target = escape(url).replace("|", "%7C")
    return f"<{target}|{escape(text).replace('|', '/')}>"


def mention(user: str | None) -> str:
    """`<@U123>` for a well-formed Slack user ID, else nothing: IDs come from payloads."""
    return f"<@{user}>" if user and _USER_ID.fullmatch(user) else ""
