"""What an incident's posts show in Slack, built from their recorded bodies (pure).

The incident post: what fired, the ranked causes with their evidence and a "Was this the
cause?" button for each, the blast radius, who is paged, its state (acknowledged, resolved
and how long it lasted), and buttons to drill down, page owners and acknowledge. Every
value from alerts and traces is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import markupsafe
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
)

from bot.render.templating import render_slack
from bot.slack import reruns
from bot.slack.blocks import (
    ACK_ACTION,
    CAUSE_ACTION,
    PAGE_ACTION,
    AnswerView,
    Button,
    controls,
    fallback_text,
    section,
)
from bot.slack.mrkdwn import link, mention
from bot.slack.seals import SEAL
from topology.incidents.feedback import Verdict
from topology.timespec import format_duration, format_time

CAUSES_SHOWN = 5
LINKS_SHOWN = 3
FROM_ANSWER = "-"
"""Starts the incident part of a page button's value on an answer (which has no incident);
the answer's seal follows it (`bot.slack.seals`)."""
ID_DIGITS = 18
CAUSE_BLOCK = "svcmap.cause"
CAUSE_QUESTION = "*Was this the cause?* One press notes your answer; it pages nobody."


@dataclass(frozen=True, slots=True)
class Message:
    """Blocks (Slack JSON) and the plain text shown where blocks are not."""

    blocks: list[dict[str, object]]
    text: str


def incident_message(body: Mapping[str, object], *, paging: bool) -> Message:
    """The incident post; `paging` shows the page buttons (paging from Slack is on)."""
    data = _facts(body)
    head = render_slack("slack/incident.md.j2", data)
    blocks: list[Block] = [
        section(head),
        section(render_slack("slack/incident_causes.md.j2", data)),
        *cause_blocks(body),
        section(render_slack("slack/incident_blast.md.j2", data)),
        ContextBlock(
            elements=[MarkdownTextObject(text=render_slack("slack/incident_status.md.j2", data))]
        ),
    ]
    blocks.extend(controls(AnswerView(summary="", buttons=incident_buttons(body, paging=paging))))
    return Message([block.to_dict() for block in blocks], fallback_text(_plain(head)))


def incident_buttons(body: Mapping[str, object], *, paging: bool) -> list[Button]:
    """Drill-downs into the symptom and the top cause; page and acknowledge while it is open."""
    symptom, cause = _text(body.get("symptom")), _text(body.get("cause"))
    top = next(iter(_ranked(body)), None)
    at = _int(body.get("opened_at"))
    found: list[Button] = []
    if symptom:
        found.append(Button(f"Root causes of {symptom}", _ask("rca", symptom, at)))
        found.append(Button(f"Dependencies of {symptom}", _ask("deps", symptom, at)))
    focus = cause or symptom
    if focus:
        found.append(Button(f"Blast radius of {focus}", _ask("blast", focus, at)))
    incident = _int(body.get("incident"))
    if incident is not None and body.get("resolved_at") is None:
        if paging:
            for service in dict.fromkeys(s for s in (cause or top, symptom) if s):
                value = page_value(incident, service)
                found.append(Button(f"Page owners of {service}", value, PAGE_ACTION, "danger"))
        if not body.get("acknowledged_by"):
            found.append(Button("Acknowledge", str(incident), ACK_ACTION, "primary"))
    return [
        Button(_label(b.label), b.command, b.action, b.style)
        for b in found
        if reruns.fits(b.command)
    ]


def cause_blocks(body: Mapping[str, object]) -> list[Block]:
    """The question "Was this the cause?": a button for each ranked candidate shown, and none."""
    incident = _int(body.get("incident"))
    ranked = _ranked(body)
    if incident is None or not ranked:
        return []
    answers = [(f"It was {name}", cause_value(incident, Verdict.YES, name)) for name in ranked]
    answers.append(("None of these", cause_value(incident, Verdict.NO, None)))
    elements = [
        ButtonElement(
            text=PlainTextObject(text=_label(label), emoji=False),
            action_id=f"{CAUSE_ACTION}.{number}",
            value=value,
        )
        for number, (label, value) in enumerate(answers)
        if reruns.fits(value)
    ]
    return [
        ContextBlock(elements=[MarkdownTextObject(text=CAUSE_QUESTION)]),
        ActionsBlock(block_id=CAUSE_BLOCK, elements=elements),
    ]


def cause_value(incident: int, verdict: Verdict, candidate: str | None) -> str:
    """The value a "Was this the cause?" button carries: incident, verdict, candidate (or none)."""
    return f"{incident} {verdict.value}" + ("" if candidate is None else f" {candidate}")


def read_cause_value(value: str) -> tuple[int, Verdict, str | None] | None:
    """The incident, verdict and candidate (None: each one shown) a value names, or None."""
    head, _, rest = value.partition(" ")
    word, _, candidate = rest.partition(" ")
    incident = read_incident(head)
    if incident is None or not reruns.fits(value):
        return None
    if word not in {verdict.value for verdict in Verdict}:
        return None
    return incident, Verdict(word), candidate or None


def read_incident(text: str) -> int | None:
    """The incident ID `text` is (ASCII digits, at most `ID_DIGITS`), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > ID_DIGITS:
        return None
    return int(text)


def update_message(body: Mapping[str, object]) -> Message:
    """The thread reply naming alerts (and groups joined) new to the incident."""
    data = {
        "joined": False,
        "title": "",
        "alerts": [],
        "more": 0,
        "grouped": [],
        "grouped_more": 0,
        **body,
    }
    text = render_slack("slack/incident_update.md.j2", data)
    return Message([section(text).to_dict()], fallback_text(_plain(text)))


def cause_message(body: Mapping[str, object]) -> Message:
    """The thread reply saying whom an open incident pages now, and why.

    The ranking is now sure of a cause, or an alert that joined the incident is not
    explained by it (`joined`).
    """
    paged = body.get("paged")
    data = {
        "cause": "",
        "joined": None,
        "paged_first": None,
        **body,
        "candidates": _dicts(body.get("candidates"))[:1],
        "paged": {"team": "", "service": "", "reason": None, "mode": "on", **paged}
        if isinstance(paged, dict)
        else None,
    }
    text = render_slack("slack/incident_cause.md.j2", data)
    return Message([section(text).to_dict()], fallback_text(_plain(text)))


def resolved_message(body: Mapping[str, object]) -> Message:
    """The thread reply (or, when the post never went, the message) saying it is over."""
    text = render_slack("slack/incident_resolved.md.j2", _facts(body))
    return Message([section(text).to_dict()], fallback_text(_plain(text)))


def upstream_message(body: Mapping[str, object], post_url: str | None) -> Message:
    """The word to a team whose services are upstream of the cause."""
    data = {
        "team": "",
        "title": "",
        "services": [],
        "paged": None,
        **body,
        "post_link": markupsafe.Markup(link(post_url, "Incident post")) if post_url else "",  # noqa: S704 -- escaped by `link`
    }
    text = render_slack("slack/upstream.md.j2", data)
    return Message([section(text).to_dict()], fallback_text(_plain(text)))


def page_value(incident: int | None, service: str, *, seal: str = "") -> str:
    """What a page button carries: its incident (an answer's: `-` and seal), whom to page."""
    return f"{FROM_ANSWER}{seal} {service}" if incident is None else f"{incident} {service}"


def read_page_value(value: str) -> tuple[int | None, str, str] | None:
    """The incident (None: an answer), service and seal a page button's value names, or None."""
    head, _, service = value.partition(" ")
    if not service.strip() or not reruns.fits(value):
        return None
    if head.startswith(FROM_ANSWER):
        seal = head.removeprefix(FROM_ANSWER)
        return (None, service, seal) if not seal or SEAL.fullmatch(seal) else None
    incident = read_incident(head)
    return None if incident is None else (incident, service, "")


def _facts(body: Mapping[str, object]) -> dict[str, object]:
    """The body with every key the incident templates read, and its times written out."""
    opened, resolved = _int(body.get("opened_at")), _int(body.get("resolved_at"))
    lasted = format_duration(resolved - opened) if opened and resolved else ""
    links = [
        markupsafe.Markup(link(str(item["href"]), str(item.get("text") or "link")))  # noqa: S704 -- escaped by `link`
        for item in _dicts(body.get("links"))[:LINKS_SHOWN]
        if str(item.get("href", "")).startswith(("https://", "http://"))
    ]
    who = mention(_text(body.get("acknowledged_by")))
    return {
        "title": "",
        "symptom": None,
        "cause": None,
        "confirmed": True,
        "severity": "error",
        "alerts": 0,
        "evidence_note": None,
        "paged": None,
        "note": None,
        "affected_teams": [],
        "services": [],
        "incident_key": None,
        **body,
        "candidates": _dicts(body.get("candidates"))[:CAUSES_SHOWN],
        "below_threshold": _dicts(body.get("below_threshold"))[:CAUSES_SHOWN],
        "opened": format_time(opened) if opened else "",
        "resolved_at": resolved,
        "lasted": lasted,
        "acknowledged_by": markupsafe.Markup(who) if who else None,  # noqa: S704 -- a checked user ID
        "links": links,
    }


def _ranked(body: Mapping[str, object]) -> list[str]:
    """The services the post ranks, as shown."""
    shown = _dicts(body.get("candidates"))[:CAUSES_SHOWN]
    return list(dict.fromkeys(s for item in shown if (s := _text(item.get("service")))))


def _ask(question: str, service: str, at: int | None) -> str:
    return reruns.command_text(reruns.asked_about(question, service, at))


def _label(text: str, limit: int = 75) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}\u2026"


def _plain(mrkdwn: str) -> str:
    """The notification text: the mrkdwn, still escaped, without its bold marks."""
    return mrkdwn.replace("*", "")


def _dicts(value: object) -> list[Mapping[str, object]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
