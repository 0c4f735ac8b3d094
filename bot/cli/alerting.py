"""`svcmap incidents` and `svcmap pages`: what the alerts opened, and what was sent for them."""

from __future__ import annotations

import argparse
import json

from bot.bootstrap import App
from bot.render.templating import render
from topology.store.incident_rows import IncidentRecord, Sending
from topology.store.schema import notifications, pages
from topology.timespec import format_time


def list_incidents(app: App, args: argparse.Namespace) -> str:
    """The latest incidents, as a table or JSON (with the answers to "Was this the cause?")."""
    found = app.incidents.incidents(limit=args.limit)
    if args.json:
        answers: dict[int, list[dict[str, object]]] = {}
        for answer in app.incidents.answers([i.id for i in found]):
            answers.setdefault(answer.incident_id, []).append(answer.to_dict())
        shown = [{**incident_dict(i), "feedback": answers.get(i.id, [])} for i in found]
        return json.dumps(shown, indent=2, ensure_ascii=False)
    rows = [
        {
            **incident_dict(i),
            "opened": format_time(i.opened_at),
            "paged": i.paged_team,
        }
        for i in found
    ]
    return render("cli/incidents.txt.j2", {"incidents": rows})


def list_sent(app: App, args: argparse.Namespace) -> str:
    """The latest pages and posts (of one incident), as tables or JSON."""
    log = app.incidents
    found = {
        "pages": log.sendings(pages, incident_id=args.incident, limit=args.limit),
        "posts": log.sendings(notifications, incident_id=args.incident, limit=args.limit),
    }
    if args.json:
        data = {name: [row.to_dict() for row in rows] for name, rows in found.items()}
        return json.dumps(data, indent=2, ensure_ascii=False)
    return render(
        "cli/pages.txt.j2", {name: [_shown(row) for row in rows] for name, rows in found.items()}
    )


def incident_dict(incident: IncidentRecord) -> dict[str, object]:
    """Plain JSON-able data about one incident."""
    return {
        "id": incident.id,
        "key": incident.key,
        "status": incident.status,
        "severity": incident.severity,
        "symptom": incident.symptom,
        "cause": incident.cause,
        "title": incident.title,
        "opened_at": incident.opened_at,
        "resolved_at": incident.resolved_at,
        "grouped_into": incident.merged_into,
        "paged_team": incident.paged_team,
        "note": incident.note,
        "alerts": incident.alerts,
        "snapshot": incident.has_snapshot,
        "acknowledged_by": incident.acknowledged_by,
        "acknowledged_at": incident.acknowledged_at,
    }


def _shown(row: Sending) -> dict[str, object]:
    return {**row.to_dict(), "sent": format_time(row.sent_at) if row.sent_at else None}
