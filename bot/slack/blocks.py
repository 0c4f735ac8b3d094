"""Block Kit for answers, built with `slack_sdk` models so Slack's limits are checked (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DateTimePickerElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.slack.mrkdwn import code_block, escape

SECTION_LIMIT = 3_000
"""Slack's limit on a section's text."""
DETAIL_SECTIONS = 6
"""Preformatted sections an answer's table may take before the rest is cut."""
BLOCK_ID_LIMIT = 255
OPTIONS_LIMIT = 100
FALLBACK_LIMIT = 300
"""Characters of plain text for notifications and clients that show no blocks."""

RUN_ACTION = "svcmap.run"
EDGE_ACTION = "svcmap.edge"
AT_ACTION = "svcmap.at"
PAGE_ACTION = "svcmap.page"
ACK_ACTION = "svcmap.ack"
CAUSE_ACTION = "svcmap.cause"
RERUN_BLOCK = "svcmap.at:"

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")


@dataclass(frozen=True, slots=True)
class Button:
    """A button that asks `command` (the text after `/svcmap`) when pressed."""

    label: str
    command: str
    action: str = RUN_ACTION
    style: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerView:
    """What one answer shows: mrkdwn summary, plain detail table, context, controls."""

    summary: str
    detail: str = ""
    context: str = ""
    warning: str = ""
    buttons: Sequence[Button] = ()
    edges: Sequence[tuple[str, str]] = ()
    """Select options: (label, command showing that edge's numbers)."""
    rerun: str | None = None
    """The command to ask again at a time picked from a date-time picker."""
    at: int | None = None
    cut_note: str = "(cut here; the CLI or the web view shows all)"
    extra: Sequence[Block] = field(default_factory=tuple)


def answer_blocks(view: AnswerView) -> list[dict[str, object]]:
    """The answer's blocks as Slack JSON, within Slack's limits."""
    blocks: list[Block] = [section(view.summary)]
    if view.warning:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(view.warning))]))
    blocks.extend(section(text) for text in detail_sections(view.detail, view.cut_note))
    if view.context:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(view.context))]))
    blocks.extend(view.extra)
    blocks.extend(controls(view))
    return [block.to_dict() for block in blocks]


def fallback_text(summary_plain: str) -> str:
    """The plain notification text: the summary's first characters."""
    flat = " ".join(summary_plain.split())
    return flat if len(flat) <= FALLBACK_LIMIT else flat[: FALLBACK_LIMIT - 1] + "\u2026"


def detail_sections(detail: str, cut_note: str) -> list[str]:
    """`detail` as preformatted sections of at most `SECTION_LIMIT` characters each."""
    if not detail.strip():
        return []
    budget = SECTION_LIMIT - len(code_block(""))
    sections: list[list[str]] = [[]]
    size = 0
    lines = detail.splitlines()
    for number, whole in enumerate(lines):
        line = whole if len(escape(whole)) < budget else whole[: budget // 5]  # 5: "&amp;"
        cost = len(escape(line)) + 1
        if size + cost > budget:
            if len(sections) == DETAIL_SECTIONS:
                left = len(lines) - number
                sections[-1][-1:] = [f"\u2026 {left:,} more lines {cut_note}"]
                break
            sections.append([])
            size = 0
        sections[-1].append(line)
        size += cost
    return [code_block("\n".join(lines)) for lines in sections if lines]


def section(text: str) -> SectionBlock:
    """A section of escaped mrkdwn, cut to Slack's limit."""
    return SectionBlock(text=MarkdownTextObject(text=_cut(text)))


def _cut(text: str, limit: int = SECTION_LIMIT) -> str:
    """Escaped mrkdwn cut to `limit`, never in the middle of an entity."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]) + "\u2026"


def controls(view: AnswerView) -> list[Block]:
    """The view's buttons and edge picker, and its date-time picker to ask again."""
    elements: list[ButtonElement | StaticSelectElement] = []
    for number, button in enumerate(view.buttons):
        elements.append(
            ButtonElement(
                text=PlainTextObject(text=button.label, emoji=False),
                action_id=f"{button.action}.{number}",
                value=button.command,
                style=button.style,
            )
        )
    options = [
        Option(text=PlainTextObject(text=_plain_cut(label, 75)), value=command)
        for label, command in view.edges[:OPTIONS_LIMIT]
    ]
    if options:
        elements.append(
            StaticSelectElement(
                placeholder=PlainTextObject(text="Numbers of an edge"),
                action_id=EDGE_ACTION,
                options=options,
            )
        )
    blocks: list[Block] = []
    if elements:
        blocks.append(ActionsBlock(block_id="svcmap.controls", elements=elements))
    rerun_id = f"{RERUN_BLOCK}{view.rerun}" if view.rerun else ""
    if rerun_id and len(rerun_id) <= BLOCK_ID_LIMIT:
        picker = DateTimePickerElement(action_id=AT_ACTION, initial_date_time=view.at)
        blocks.append(ActionsBlock(block_id=rerun_id, elements=[picker]))
    return blocks


def _plain_cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
