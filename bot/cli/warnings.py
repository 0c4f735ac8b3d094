"""`svcmap warnings`: the early warnings kept, open ones first, as a table or JSON."""

from __future__ import annotations

import argparse
import json

from bot.adapters.store.early_warnings import WarningLog
from bot.bootstrap import App
from bot.render.templating import render
from topology.timespec import format_duration, format_time
from topology.warnings.track import KeptWarning


def warning_dict(warning: KeptWarning, now: int) -> dict[str, object]:
    """One warning as JSON: its finding, when it opened, was seen and posted, its mute."""
    finding = warning.finding
    return {
        "subject": finding.subject,
        "metric": finding.metric,
        "kind": finding.kind,
        "level": round(finding.level, 3),
        "usual": round(finding.usual, 3),
        "threshold": round(finding.threshold, 3),
        "eta_s": finding.eta_s,
        "open": warning.open,
        "opened_at": warning.opened_at,
        "seen_at": warning.seen_at,
        "closed_at": warning.closed_at,
        "posted_at": warning.posted_at,
        "muted_until": warning.muted_until if warning.muted(now) else None,
    }


def kept_warnings(app: App, *, every: bool) -> list[KeptWarning]:
    """The warnings kept (open ones only, unless `every`): open ones first, newest first."""
    kept = [w for w in WarningLog(app.engine).kept().values() if every or w.open]
    kept.sort(key=lambda w: (not w.open, -w.opened_at, w.key))
    return kept


def list_warnings(app: App, args: argparse.Namespace) -> str:
    """The warnings kept (open ones only, unless `--all`), newest first."""
    now = app.now()
    kept = kept_warnings(app, every=args.all)
    if args.json:
        return json.dumps([warning_dict(w, now) for w in kept], indent=2, ensure_ascii=False)
    rows = [
        {
            "subject": w.finding.subject,
            "metric": w.finding.metric,
            "kind": w.finding.kind,
            "level": f"{w.finding.level:.1f}",
            "usual": f"{w.finding.usual:.1f}",
            "threshold": f"{w.finding.threshold:.1f}",
            "crosses_in": "" if w.finding.eta_s is None else format_duration(w.finding.eta_s),
            "opened": format_time(w.opened_at),
            "state": _state(w, now),
        }
        for w in kept
    ]
    return render("cli/warnings.txt.j2", {"warnings": rows, "every": args.all})


def _state(warning: KeptWarning, now: int) -> str:
    state = "open" if warning.open else "closed"
    if warning.muted(now) and warning.muted_until is not None:
        return f"{state}, muted until {format_time(warning.muted_until)}"
    return f"{state}, posted" if warning.posted_at is not None else state
