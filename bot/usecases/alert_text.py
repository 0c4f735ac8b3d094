"""What an incident's pages and posts say: the bodies recorded with them, and their text."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.adapters.store.incident_rows import NoticeRow, PageRow
from bot.render.templating import render
from topology.incidents.decide import PageOrder, Plan
from topology.incidents.model import Alert, AlertGroup, PagingMode, SendState
from topology.incidents.severity import group_severity
from topology.incidents.webhook_body import webhook_body
from topology.redaction import Redaction
from topology.redaction_keys import kept_apart
from topology.redaction_text import TextRedaction, redact_secrets
from topology.timespec import format_time

if TYPE_CHECKING:
    from bot.usecases.alerting import Evidence

MAX_URL = 2048
TITLE_CHARS = 200
CANDIDATES_SHOWN = 5
CANDIDATES_PAGED = 3
"""Candidates a page's details name."""
SERVICES_SHOWN = 50
_HASHED = re.compile(r"[0-9a-f]{16}")
"""A fingerprint as Alertmanager writes it (a hash of the labels): nothing in it to redact."""


def redacted_group(
    redaction: Redaction, group: AlertGroup, *, services: Collection[str], key: bytes
) -> AlertGroup:
    """`group` with its labels and annotations redacted (`topology.redaction_text`).

    The values of the labels in `services` (those naming the alerted service) are redacted
    as names, so the service reads as the map names it wherever it is shown; every other
    label's value (`instance`, `pod`, ...) as an annotation is, and links lose their
    secrets. The group key and the alerts' fingerprints, which say which incident and
    which alert a notification is, are redacted and kept apart (`kept_apart`, tagged under
    `key`): the same group is the same incident, two groups redacted alike are two. A
    fingerprint as Alertmanager writes it (16 hex digits) is kept; an alert without one is
    given the one its labels as they came make. Whatever is
    shown, stored or sent of an alert (titles, summaries, labels, pages, posts, links) is
    read from the group this returns.
    """
    text = TextRedaction(redaction.rules)

    def annotated(annotations: Mapping[str, str]) -> dict[str, str]:
        return {name: text.value(value) for name, value in annotations.items()}

    def labelled(labels: Mapping[str, str]) -> dict[str, str]:
        return {
            name: redaction.name(value)
            if name in services and value.strip() and redaction
            else text.value(value)
            for name, value in labels.items()
        }

    def identity(value: str) -> str:
        return kept_apart(value, text.text, key)

    def alert(one: Alert) -> Alert:
        fingerprint = one.fingerprint or labels_fingerprint(one.labels, key)
        if not _HASHED.fullmatch(fingerprint):
            fingerprint = identity(fingerprint)
        return replace(
            one,
            labels=labelled(one.labels),
            annotations=annotated(one.annotations),
            generator_url=redact_secrets(one.generator_url),
            fingerprint=fingerprint,
        )

    return replace(
        group,
        group_key=identity(group.group_key),
        alerts=tuple(alert(one) for one in group.alerts),
        group_labels=labelled(group.group_labels),
        common_labels=labelled(group.common_labels),
        common_annotations=annotated(group.common_annotations),
        external_url=redact_secrets(group.external_url),
    )


def labels_fingerprint(labels: Mapping[str, str], key: bytes) -> str:
    """The fingerprint of an alert that came without one: a keyed digest of its labels.

    Keyed, so that it gives no way to guess back a label value redaction hid.
    """
    text = repr(sorted(labels.items())).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:16]


def redacted_body(
    redaction: Redaction, group: AlertGroup, *, services: Collection[str], key: bytes
) -> bytes:
    """The notification as it is kept to work later: `redacted_group`, as a webhook body."""
    return webhook_body(redacted_group(redaction, group, services=services, key=key))


def title_of(group: AlertGroup, symptom: str | None) -> str:
    """One line naming the alert and the service: the common summary, else the alert name."""
    summary = group.common_annotations.get("summary", "").strip()
    name = group.common_labels.get("alertname") or _first_label(group, "alertname") or "alert"
    text = summary or (f"{name} on {symptom}" if symptom else name)
    if summary and symptom and symptom not in summary:
        text = f"{symptom}: {summary}"
    return _line(text, TITLE_CHARS)


def safe_links(group: AlertGroup) -> list[dict[str, str]]:
    """Links worth showing with a page or post: http(s) only, deduplicated, in a fixed order."""
    found: dict[str, str] = {}
    runbook = group.common_annotations.get("runbook_url") or _first_annotation(group, "runbook_url")
    for href, text in (
        (runbook, "Runbook"),
        (group.firing[0].generator_url if group.firing else "", "Alert source"),
        (group.external_url, "Alertmanager"),
    ):
        if href and _is_web_url(href) and href not in found:
            found[href] = text
    return [{"href": href, "text": text} for href, text in found.items()]


def page_rows(
    group: AlertGroup, plan: Plan, evidence: Evidence, title: str, *, state: SendState
) -> tuple[PageRow, ...]:
    """The trigger the plan decides, with the event body it will send."""
    page = plan.page
    if page is None:
        return ()
    summary = _page_summary(page, title, evidence.symptom, plan.cause, plan.suggestions)
    causes = _candidates(evidence)[:CANDIDATES_PAGED]
    named: dict[str, object] = {
        "suggested_causes_not_confirmed" if plan.suggestions else "likely_causes": causes
    }
    if below := below_threshold(evidence)[:CANDIDATES_PAGED]:
        named["weaker_signs_below_threshold"] = below
    body: dict[str, object] = {
        "summary": _line(summary, 1024),
        "source": evidence.symptom or page.service,
        "severity": page.severity.value,
        "component": page.service,
        "group": group.common_labels.get("namespace") or None,
        "class": group.common_labels.get("alertname") or None,
        "timestamp": _iso(min(a.starts_at for a in group.firing or group.alerts)),
        "details": {
            "alerted_service": evidence.symptom,
            "paged_because": page.reason,
            **named,
            "firing_alerts": len(group.firing),
            "alertmanager_group": _line(group.group_key, 500),
        },
        "links": safe_links(group),
    }
    return (_trigger(page, body, state),)


def sure_page_row(
    page: PageOrder, evidence: Evidence, *, title: str, first_paged: str | None, state: SendState
) -> PageRow:
    """The trigger `page_once_sure` decides for an open incident, with the event it sends.

    It has no alert group of its own to quote: the incident's title, its alerted service
    and the ranking say what it is about, and which team was paged first.
    """
    summary = _page_summary(page, title, evidence.symptom, page.service, ())
    body: dict[str, object] = {
        "summary": _line(summary, 1024),
        "source": evidence.symptom or page.service,
        "severity": page.severity.value,
        "component": page.service,
        "details": {
            "alerted_service": evidence.symptom,
            "paged_because": page.reason,
            "likely_causes": _candidates(evidence)[:CANDIDATES_PAGED],
            "paged_first": first_paged,
        },
    }
    return _trigger(page, body, state)


def _page_summary(
    page: PageOrder,
    title: str,
    symptom: str | None,
    cause: str | None,
    suggestions: tuple[str, ...],
) -> str:
    """The one line a page shows: the alert, the likely cause or suggestions, why this team."""
    return render(
        "alerts/page_summary.txt.j2",
        {
            "title": title,
            "cause": cause,
            "suggestions": suggestions[:CANDIDATES_PAGED],
            "symptom": symptom,
            "team": page.team,
            "reason": page.reason,
        },
    )


def _trigger(page: PageOrder, body: dict[str, object], state: SendState) -> PageRow:
    """The trigger of `page`, recorded with the event `body` it sends."""
    return PageRow(
        service=page.service,
        action="trigger",
        team=page.team,
        dedup_key=page.dedup_key,
        state=state.value,
        body=body,
    )


def sure_reply_body(
    page: PageOrder, evidence: Evidence, *, title: str, first_paged: str | None, mode: PagingMode
) -> dict[str, object]:
    """What the reply in the incident post's thread says of a page `page_once_sure` decided."""
    reply = _added_page_reply(page, title=title, paged_first=first_paged, mode=mode)
    return reply | {
        "symptom": evidence.symptom,
        "cause": page.service,
        "candidates": _candidates(evidence)[:1],
    }


def _added_page_reply(
    page: PageOrder, *, title: str, paged_first: str | None, mode: PagingMode
) -> dict[str, object]:
    """The facts a reply about a page added to an open incident is written from."""
    return {
        "title": title,
        "paged": {
            "team": page.team,
            "service": page.service,
            "reason": page.reason,
            "mode": mode.value,
        },
        "paged_first": paged_first,
    }


def joined_page_row(
    page: PageOrder, *, title: str, incident_title: str, state: SendState
) -> PageRow:
    """The trigger `page_joined` decides for a group joining an incident, with its event.

    `title` is the joining group's, `incident_title` the title of the incident it joined.
    """
    summary = _page_summary(page, title, page.service, None, ())
    body: dict[str, object] = {
        "summary": _line(summary, 1024),
        "source": page.service,
        "severity": page.severity.value,
        "component": page.service,
        "details": {
            "alerted_service": page.service,
            "paged_because": page.reason,
            "joined_incident": incident_title,
        },
    }
    return _trigger(page, body, state)


def joined_reply_body(
    page: PageOrder, *, title: str, paged_first: str | None, mode: PagingMode
) -> dict[str, object]:
    """What the reply in the incident post's thread says of a page `page_joined` decided."""
    reply = _added_page_reply(page, title=title, paged_first=paged_first, mode=mode)
    return reply | {"symptom": page.service, "joined": page.service, "cause": None}


def notice_rows(
    group: AlertGroup,
    plan: Plan,
    evidence: Evidence,
    title: str,
    *,
    mode: PagingMode,
    state: SendState,
) -> tuple[NoticeRow, ...]:
    """The posts the plan decides, each with the facts its text is written from."""
    page = plan.page
    paged = (
        {"team": page.team, "service": page.service, "reason": page.reason, "mode": mode.value}
        if page
        else None
    )
    shared: dict[str, object] = {
        "title": title,
        "symptom": evidence.symptom,
        "cause": plan.cause,
        "severity": page.severity.value if page else group_severity_word(group),
        "alerts": len(group.firing),
        "candidates": _candidates(evidence)[:CANDIDATES_SHOWN],
        "below_threshold": below_threshold(evidence)[:CANDIDATES_SHOWN],
        "confirmed": not plan.suggestions,
        "evidence_note": evidence.note,
        "paged": paged,
        "note": plan.note,
        "affected_teams": list(plan.affected_teams),
        "links": safe_links(group),
    }
    return tuple(
        NoticeRow(
            channel=order.channel,
            kind=order.kind.value,
            team=order.team,
            state=state.value,
            body={**shared, "team": order.team, "services": list(order.services[:SERVICES_SHOWN])},
        )
        for order in plan.notices
    )


def notice_text(kind: str, body: Mapping[str, object]) -> str:
    """The plain text of a post of `kind` written from its recorded body."""
    defaults: dict[str, object] = {
        "title": "",
        "symptom": None,
        "cause": None,
        "severity": "error",
        "alerts": 0,
        "candidates": [],
        "below_threshold": [],
        "confirmed": True,
        "evidence_note": None,
        "paged": None,
        "note": None,
        "affected_teams": [],
        "team": None,
        "services": [],
        "paged_first": None,
        "joined": None,
    }
    return render("alerts/notice.txt.j2", {**defaults, **body, "kind": kind}).strip()


def group_severity_word(group: AlertGroup) -> str:
    """The group's severity word, for a post when nobody is paged."""
    return group_severity(group.firing or group.alerts).value


def below_threshold(evidence: Evidence) -> list[dict[str, object]]:
    """The ranking's weaker signs (`below_threshold`), to name as suggestions when it is unsure.

    None when the ranking is confident: its candidates say enough. Never paged.
    """
    if evidence.ranking is None or evidence.confident:
        return []
    return [c.to_dict() for c in evidence.ranking.below]


def _candidates(evidence: Evidence) -> list[dict[str, object]]:
    if evidence.ranking is None:
        return []
    return [c.to_dict() for c in evidence.ranking.candidates]


def _first_label(group: AlertGroup, name: str) -> str | None:
    return next((a.labels[name] for a in group.alerts if a.labels.get(name)), None)


def _first_annotation(group: AlertGroup, name: str) -> str | None:
    return next((a.annotations[name] for a in group.alerts if a.annotations.get(name)), None)


def _is_web_url(text: str) -> bool:
    if len(text) > MAX_URL or any(c.isspace() or ord(c) < 0x20 for c in text):  # noqa: PLR2004 - below space is a control character
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _iso(seconds: int) -> str:
    return format_time(seconds)


def _line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit - 1]}…"
