"""`svcmap incidents`: what the alerts opened, as a table or JSON.

Light on purpose: the list is read without the app from a SQLite store at the newest schema.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.render.templating import render
from topology.timespec import format_time

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.adapters.store.incident_rows import IncidentRecord
    from bot.adapters.store.ports import IncidentReader


def incidents_text(log: IncidentReader, args: argparse.Namespace) -> str:
    """The latest incidents, as a table or JSON (with the answers to "Was this the cause?")."""
    found = log.incidents(limit=args.limit)
    teams = log.paged_teams([i.id for i in found])
    if args.json:
        answers: dict[int, list[dict[str, object]]] = {}
        for answer in log.answers([i.id for i in found]):
            answers.setdefault(answer.incident_id, []).append(answer.to_dict())
        shown = [
            {
                **incident_dict(i),
                "paged_teams": teams.get(i.id, []),
                "feedback": answers.get(i.id, []),
            }
            for i in found
        ]
        return json.dumps(shown, indent=2, ensure_ascii=False)
    rows = [
        {
            **incident_dict(i),
            "opened": format_time(i.opened_at),
            "paged": paged_cell(i, teams.get(i.id, [])),
        }
        for i in found
    ]
    return render("cli/incidents.txt.j2", {"incidents": rows})


def paged_cell(incident: IncidentRecord, teams: Sequence[str]) -> str | None:
    """The teams the incident paged (`teams`); for one grouped into another, where.

    A grouped alert pages nobody of its own: the incident it joined pages, or did. Saying
    so keeps a responder from reading it as an alert nobody was told of. An incident
    pages more than one team when a group joining it, or its cause once sure, is another
    team's: each is named.
    """
    if teams:
        return ", ".join(teams)
    if incident.paged_team is None and incident.merged_into is not None:
        return f"see #{incident.merged_into}"
    return incident.paged_team


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
