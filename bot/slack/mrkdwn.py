"""Slack mrkdwn escaping: text from traces and alerts can never format, link or mention."""

from __future__ import annotations

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_FENCE = "```"


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
