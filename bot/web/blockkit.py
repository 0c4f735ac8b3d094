"""Slack Block Kit shown as HTML, as Slack would show it; every text is escaped (pure)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from markupsafe import Markup

_FENCE = re.compile(r"```\n?(.*?)\n?```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_SPECIAL = re.compile(r"<([^<>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def blocks_html(blocks: Iterable[Mapping[str, object]]) -> Markup:
    """The blocks as HTML: sections, context, actions (inert), unknown blocks left out."""
    html_text = "\n".join(_block(block) for block in blocks)
    return Markup(html_text)  # noqa: S704 - every text part went through _escape


def mrkdwn_html(text: str) -> Markup:
    """Slack mrkdwn as HTML: ```pre```, `code`, *bold* and _italic_; nothing else obeyed."""
    out: list[str] = []
    cursor = 0
    for fence in _FENCE.finditer(text):
        out.append(_inline(text[cursor : fence.start()]))
        out.append(f"<pre>{_escape(fence.group(1))}</pre>")
        cursor = fence.end()
    out.append(_inline(text[cursor:]))
    return Markup("".join(out))  # noqa: S704 - every text part went through _escape


def _inline(text: str) -> str:
    parts: list[str] = []
    cursor = 0
    for code in _CODE.finditer(text):
        parts.append(_styled(text[cursor : code.start()]))
        parts.append(f"<code>{_escape(code.group(1))}</code>")
        cursor = code.end()
    parts.append(_styled(text[cursor:]))
    return "".join(parts).replace("\n", "<br>")


def _styled(text: str) -> str:
    """Plain mrkdwn: Slack's `<...>` specials shown by their label, then bold and italic."""
    shown = _SPECIAL.sub(_special, text)
    escaped = _escape(shown)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    return _ITALIC.sub(r"<i>\1</i>", escaped)


def _special(found: re.Match[str]) -> str:
    """`<@U1>` as @U1, `<url|label>` as label, `<!here>` as @here; shown, never linked."""
    inner = found.group(1)
    target, _, label = inner.partition("|")
    if label:
        return label
    if target.startswith(("@", "#")):
        return target
    if target.startswith("!"):
        return "@" + target[1:]
    return target


def _escape(text: str) -> str:
    """Slack's own entities undone, then HTML-escaped: shown exactly as Slack shows it."""
    for entity, char in _SLACK_ENTITIES:
        text = text.replace(entity, char)
    return html.escape(text, quote=True)


def _text(obj: object) -> str:
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return str(mrkdwn_html(text))
    return html.escape(text, quote=True)


def _block(block: Mapping[str, object]) -> str:
    kind = block.get("type")
    if kind == "section":
        return f'<div class="bk-section">{_text(block.get("text"))}</div>'
    if kind == "context":
        elements = block.get("elements")
        texts = [_text(item) for item in elements] if isinstance(elements, list) else []
        return f'<div class="bk-context">{" ".join(texts)}</div>'
    if kind == "actions":
        elements = block.get("elements")
        items = [_element(item) for item in elements] if isinstance(elements, list) else []
        return f'<div class="bk-actions">{"".join(items)}</div>'
    if kind == "divider":
        return "<hr>"
    return ""


def _element(element: object) -> str:
    if not isinstance(element, Mapping):
        return ""
    kind = element.get("type")
    if kind == "button":
        command = html.escape(str(element.get("value", "")), quote=True)
        label = _text(element.get("text"))
        return f'<button type="button" class="bk-button" data-command="{command}">{label}</button>'
    if kind == "static_select":
        options = element.get("options")
        rows = [
            f'<option value="{html.escape(str(option.get("value", "")), quote=True)}">'
            f"{_text(option.get('text'))}</option>"
            for option in (options if isinstance(options, list) else [])
            if isinstance(option, Mapping)
        ]
        placeholder = _text(element.get("placeholder"))
        return (
            f'<select class="bk-select"><option value="">{placeholder}</option>'
            f"{''.join(rows)}</select>"
        )
    if kind == "datetimepicker":
        return '<span class="bk-picker">[date and time picker]</span>'
    return ""
