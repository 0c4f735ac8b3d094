"""`svcmap incidents` and `svcmap pages`: what the alerts opened, and what was sent for them."""

from __future__ import annotations

import argparse
import json

from bot.adapters.store.incident_rows import Sending
from bot.bootstrap import App
from bot.cli.incident_list import incidents_text
from bot.render.templating import render
from topology.incidents.model import Outbox, SendState
from topology.timespec import format_time


def list_incidents(app: App, args: argparse.Namespace) -> str:
    """The latest incidents, as a table or JSON (with the answers to "Was this the cause?")."""
    return incidents_text(app.incidents, args)


def list_sent(app: App, args: argparse.Namespace) -> str:
    """The latest pages and posts (of one incident), as tables or JSON."""
    log = app.incidents
    found = {
        "pages": log.sendings(Outbox.PAGES, incident_id=args.incident, limit=args.limit),
        "posts": log.sendings(Outbox.POSTS, incident_id=args.incident, limit=args.limit),
    }
    if args.json:
        data = {name: [row.to_dict() for row in rows] for name, rows in found.items()}
        return json.dumps(data, indent=2, ensure_ascii=False)
    return render(
        "cli/pages.txt.j2", {name: [_shown(row) for row in rows] for name, rows in found.items()}
    )


def _shown(row: Sending) -> dict[str, object]:
    """The row as listed: when it was sent, or when it may be, if it waits (held, backing off)."""
    if row.sent_at:
        sent = format_time(row.sent_at)
    elif row.not_before and row.state == SendState.PENDING.value:
        sent = f"not before {format_time(row.not_before)}"
    else:
        sent = None
    return {**row.to_dict(), "sent": sent}
