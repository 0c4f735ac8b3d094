"""`svcmap refresh` and `svcmap sources`: pull the live sources once; show how they are doing."""

from __future__ import annotations

import argparse
import json
import sys

from bot.adapters.store.signal_writes import DROPPED, FOLDED
from bot.bootstrap import App, refreshing
from bot.scheduler import default_holder
from bot.usecases.refresh import RefreshReport, refresh_once
from bot.usecases.sources import source_statuses
from bot.usecases.staleness import SourceStatus
from topology.cardinality import EDGES, RATE, SERVICES, VIRTUAL
from topology.timespec import format_time

EXIT_ERROR = 1
NO_SOURCES = (
    "no sources configured: set SVCMAP_JAEGER_URL, SVCMAP_ZIPKIN_URL, SVCMAP_TEMPO_URL, "
    "SVCMAP_PROMETHEUS_URL or SVCMAP_BACKSTAGE_URL"
)
_REASONS = {
    SERVICES: "new services past SVCMAP_MAX_SERVICES a window",
    VIRTUAL: "new virtual nodes past SVCMAP_MAX_VIRTUAL_NODES a window",
    EDGES: "new edges past SVCMAP_MAX_EDGES a window",
    RATE: "new names past SVCMAP_NEW_NAMES_PER_MINUTE",
}
NOTES_SHOWN = 5
"""How many notes on left-out catalog entities `svcmap refresh` prints."""


def statuses_now(app: App) -> list[SourceStatus]:
    """What `svcmap sources` lists of `app`'s sources now."""
    return source_statuses(
        app.states,
        app.store,
        configured=app.pulled_names,
        interval_s=app.settings.refresh_interval,
        now_s=app.now(),
    )


def run_refresh_command(app: App, args: argparse.Namespace) -> int:
    """Run `refresh` or `sources`; print the outcome; return the exit status."""
    if args.command == "sources":
        statuses = statuses_now(app)
        print(_json([s.to_dict() for s in statuses]) if args.json else _status_table(statuses))
        if not args.json:
            for line in [*_refused(statuses), *_capped(app)]:
                print(line)
        return 0
    report = refresh_once(refreshing(app), holder=default_holder())
    if args.json:
        data = {"leased": report.leased, "sources": [p.to_dict() for p in report.sources]}
        print(_json(data))
    else:
        print(_refresh_text(app, report))
    if not report.leased:
        print("svcmap refresh: another process holds the refresh lease", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR if report.all_failed else 0


def _refresh_text(app: App, report: RefreshReport) -> str:
    if not app.sources and app.catalog_source is None:
        return NO_SOURCES
    lines = []
    for item in report.sources:
        if item.entities is not None:
            line = f"{item.name}: {item.entities} entities"
            if item.notes:
                line += f", {len(item.notes)} notes"
        elif item.points is not None:
            line = f"{item.name}: {item.points} metric points"
            if item.left_out:
                line += f", {item.left_out} left out"
        else:
            line = f"{item.name}: {item.spans} spans, {item.calls_new} calls new"
            if item.refused:
                line += f", {item.refused} spans refused for their time"
        if item.tries > 1:
            line += f" ({item.tries} tries)"
        lines.append(f"{line}, error: {item.error}" if item.error else line)
        lines.extend(f"  {note}" for note in item.notes[:NOTES_SHOWN])
        if len(item.notes) > NOTES_SHOWN:
            lines.append(f"  ... and {len(item.notes) - NOTES_SHOWN} more (see --json)")
    if not report.leased:
        lines.append("skipped: another process is refreshing")
    return "\n".join(lines)


def _refused(statuses: list[SourceStatus]) -> list[str]:
    """Per source and reason, what the caps on new names refused, if anything."""
    return [
        f"refused {status.name}: {item.names:,} names and {item.items:,} calls "
        f"({_REASONS.get(item.reason, item.reason)}), last at {format_time(item.last_at)}"
        for status in statuses
        for item in status.refused
    ]


def _capped(app: App) -> list[str]:
    """Per service, what the caps of logs and metrics left out, if anything."""
    lines = []
    for service, counts in sorted(app.store.signal_drops().items()):
        parts = []
        if counts.get(FOLDED):
            parts.append(f"{counts[FOLDED]:,} log records under <other> (SVCMAP_LOG_TEMPLATE_CAP)")
        if counts.get(DROPPED):
            parts.append(f"{counts[DROPPED]:,} metric points dropped (SVCMAP_METRIC_NAME_CAP)")
        if parts:
            lines.append(f"capped {service}: {', '.join(parts)}")
    return lines


def _status_table(statuses: list[SourceStatus]) -> str:
    if not statuses:
        return NO_SOURCES
    header = ("SOURCE", "LAST SUCCESS", "LAG", "STATE", "LAST ERROR")
    rows = [header]
    for s in statuses:
        success = format_time(s.last_success) if s.last_success is not None else "never"
        lag = f"{s.lag_s}s" if s.lag_s is not None else "-"
        error = (
            f"{format_time(s.last_error_at)} {s.last_error}" if s.last_error_at is not None else "-"
        )
        rows.append((s.name, success, lag, s.condition, error))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in rows
    )


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
